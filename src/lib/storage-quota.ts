// Owns the storage checks made before a download: ask for persistent
// storage (so the browser does not evict a 100 MB model under pressure) and
// refuse to start when the free quota cannot hold what is still missing.

import { ZoetropeError } from '../shared/errors';
import { formatBytes } from './format';

/** Head room for IndexedDB's own overhead on top of the raw bytes. */
const OVERHEAD = 1.1;

export async function requestPersistence(): Promise<boolean> {
  try {
    if (!navigator.storage?.persist) return false;
    if (await navigator.storage.persisted()) return true;
    return await navigator.storage.persist();
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
