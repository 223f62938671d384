// Owns the small facts about installed models that must outlive IndexedDB:
// which models this browser installed (so that a browser eviction, which
// empties IndexedDB, can be told apart from a first visit) and which model is
// the default, and which downloads were left unfinished (so the library can
// offer to resume them after a reload). Kept in localStorage, which storage eviction leaves alone in
// Chromium; where it is cleared too, an eviction looks like a first visit.

export interface InstallMark {
  key: string;
  name: string;
  version: string;
  manifestUrl: string;
}

const MARKS_KEY = 'zoetrope.installed';
const DEFAULT_KEY = 'zoetrope.defaultModel';
const PENDING_KEY = 'zoetrope.pendingDownloads';

function read(): InstallMark[] {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(MARKS_KEY) ?? '[]');
    return Array.isArray(value) ? value.filter(isMark) : [];
  } catch {
    return [];
  }
}

function write(marks: InstallMark[]): void {
  try {
    localStorage.setItem(MARKS_KEY, JSON.stringify(marks));
  } catch {
    // Blocked storage: eviction then cannot be told apart, which only costs the explanation.
  }
}

function isMark(value: unknown): value is InstallMark {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['key'] === 'string' && typeof v['name'] === 'string' && typeof v['version'] === 'string' && typeof v['manifestUrl'] === 'string';
}

export function installMarks(): InstallMark[] {
  return read();
}

export function markInstalled(mark: InstallMark): void {
  write([...read().filter((m) => m.key !== mark.key), mark]);
}

export function unmarkInstalled(key: string): void {
  write(read().filter((m) => m.key !== key));
  if (defaultModelKey() === key) setDefaultModelKey(null);
}

export function defaultModelKey(): string | null {
  try {
    return localStorage.getItem(DEFAULT_KEY);
  } catch {
    return null;
  }
}

export function setDefaultModelKey(key: string | null): void {
  try {
    if (key === null) localStorage.removeItem(DEFAULT_KEY);
    else localStorage.setItem(DEFAULT_KEY, key);
  } catch {
    // The choice then lasts for this page only.
  }
}

export interface PendingDownload {
  manifestUrl: string;
  name: string;
  version: string;
}

export function pendingDownloads(): PendingDownload[] {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(PENDING_KEY) ?? '[]');
    return Array.isArray(value) ? value.filter(isPending) : [];
  } catch {
    return [];
  }
}

function isPending(value: unknown): value is PendingDownload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['manifestUrl'] === 'string' && typeof v['name'] === 'string' && typeof v['version'] === 'string';
}

function writePending(list: PendingDownload[]): void {
  try {
    localStorage.setItem(PENDING_KEY, JSON.stringify(list));
  } catch {
    // The unfinished download is then not offered after a reload; its saved bytes still are reused.
  }
}

export function markPending(download: PendingDownload): void {
  writePending([...pendingDownloads().filter((d) => d.manifestUrl !== download.manifestUrl), download]);
}

export function unmarkPending(manifestUrl: string): void {
  writePending(pendingDownloads().filter((d) => d.manifestUrl !== manifestUrl));
}

/** The manifest URL of the default model, when one was chosen and is still marked installed. */
export function defaultManifestUrl(): string | null {
  const key = defaultModelKey();
  return read().find((m) => m.key === key)?.manifestUrl ?? null;
}
