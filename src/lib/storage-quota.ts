// Owns the storage checks made before a download: ask for persistent
// storage (so the browser does not evict a 100 MB model under pressure) and
// refuse to start when the free quota cannot hold what is still missing.

import { ZoetropeError } from '../shared/errors';
import { formatBytes } from './format';

/** Head room for IndexedDB's own overhead on top of the raw bytes. */
const OVERHEAD = 1.1;

/**
 * How long the install waits for an answer to persist(). Chromium answers at
 * once; Firefox shows a permission prompt and leaves the promise pending
 * until the person answers it, which may be never.
 */
export const PERSIST_WAIT_MS = 1500;

export async function requestPersistence(waitMs = PERSIST_WAIT_MS): Promise<boolean> {
  try {
    if (!navigator.storage?.persist) return false;
    if (await navigator.storage.persisted()) return true;
    // Raced with a short timeout: an unanswered prompt must not hold up the install (the request stays open,
    // and a later yes still counts).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unanswered = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
    return await Promise.race([navigator.storage.persist(), unanswered]).finally(() => clearTimeout(timer));
  } catch {
    return false; // Persistence is a request, never a requirement.
  }
}

export interface QuotaReport {
  needed: number;
  free: number | null;
}

/** Pure check of `bytes` against a StorageManager estimate; throws StorageQuotaError. */
export function checkRoom(bytes: number, estimate: StorageEstimate | null): QuotaReport {
  const needed = Math.ceil(bytes * OVERHEAD);
  if (bytes === 0 || !estimate || estimate.quota === undefined) return { needed, free: null };
  const free = Math.max(0, estimate.quota - (estimate.usage ?? 0));
  if (free < needed) throw quotaError(needed, free);
  return { needed, free };
}

export function quotaError(needed: number, free: number | null): ZoetropeError {
  return new ZoetropeError(
    'StorageQuotaError',
    free === null
      ? `The model needs ${formatBytes(needed)} more storage, and the browser refused to store it.`
      : `The model needs ${formatBytes(needed)} of storage, but this browser allows only ${formatBytes(free)} more for this site.`,
    { needed, free },
  );
}

export async function estimateStorage(): Promise<StorageEstimate | null> {
  try {
    return navigator.storage?.estimate ? await navigator.storage.estimate() : null;
  } catch {
    return null;
  }
}

export async function ensureRoomFor(bytes: number): Promise<QuotaReport> {
  return checkRoom(bytes, await estimateStorage());
}
