// Owns where recorded and imported narration lives: an idb-keyval store of
// our own (database `zoetrope-narration`, store `audio`), one StoredAudio a
// key, its mono samples kept as a Float32Array (structured clone stores the
// bytes as they are, with no encoding step to lose quality or time). A
// lesson's scenes point at these by `audioId`; the lessons store stays small
// and exports as JSON without the audio.
//
// Write failures are named: the browser's QuotaExceededError becomes
// StorageQuotaError (with `what: 'audio'`, so the message speaks of the
// narration, not a model), anything else StorageUnavailableError, and
// nothing half-written is left (an IndexedDB transaction is atomic).

import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval';
import type { StoredAudio } from '../shared/narration';
import { toZoetropeError, ZoetropeError } from '../shared/errors';
import { estimateStorage } from './storage-quota';
import { formatBytes } from './format';

export const NARRATION_DB = 'zoetrope-narration';
export const NARRATION_STORE = 'audio';

let store: UseStore | null = null;
const audio = () => (store ??= createStore(NARRATION_DB, NARRATION_STORE));

/** Bytes one stored piece takes, near enough: its samples (the rest is a few fields). */
export function audioBytes(a: Pick<StoredAudio, 'samples'>): number {
  return a.samples.byteLength;
}

export async function putAudio(a: StoredAudio): Promise<void> {
  // A plain copy: a Svelte $state proxy, or a view into a larger buffer, must not be what is cloned.
  const record: StoredAudio = {
    id: a.id,
    source: a.source,
    fileName: a.fileName,
    sampleRate: a.sampleRate,
    samples: a.samples.slice(),
    createdAt: a.createdAt,
  };
  try {
    await set(a.id, record, audio());
  } catch (error) {
    throw await writeError(error, audioBytes(record));
  }
}

export async function getAudio(id: string): Promise<StoredAudio | undefined> {
  const found = await get<StoredAudio>(id, audio());
  return found && found.samples instanceof Float32Array ? found : undefined;
}

export async function deleteAudio(id: string): Promise<void> {
  await del(id, audio());
}

/** Every stored id, so a caller can drop audio no lesson names any more. */
export async function listAudioIds(): Promise<string[]> {
  return (await keys(audio())).filter((k): k is string => typeof k === 'string');
}

async function writeError(error: unknown, bytes: number): Promise<ZoetropeError> {
  const e = toZoetropeError(error);
  if (e.name === 'StorageQuotaError') {
    const estimate = await estimateStorage();
    const free = estimate?.quota !== undefined ? Math.max(0, estimate.quota - (estimate.usage ?? 0)) : null;
    return new ZoetropeError(
      'StorageQuotaError',
      `The narration needs ${formatBytes(bytes)} of storage, and the browser refused to store it${free === null ? '' : ` (it reports ${formatBytes(free)} free for this site)`}.`,
      { what: 'audio', needed: bytes, free, refused: true },
    );
  }
  if (e.name === 'BackendError') {
    // IndexedDB refused for another reason (blocked, private mode, a broken profile).
    return new ZoetropeError('StorageUnavailableError', `The narration could not be stored: ${e.message}`, { what: 'audio' });
  }
  return e;
}
