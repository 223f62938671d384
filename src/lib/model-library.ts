// Owns the questions and actions of the Model library screen that span
// several stores: the list of installed models with their size on disk, the
// storage figures, deleting a model, swapping in a new version, telling a
// browser eviction apart from a first visit, and repairing damaged shards.
// Installing itself stays in model-store; IndexedDB layout in pack-db.

import { ZoetropeError } from '../shared/errors';
import { uniqueShards, type PackManifest } from '../shared/manifest';
import { defaultModelKey, installMarks, markInstalled, setDefaultModelKey, unmarkInstalled, type InstallMark } from './install-marks';
import { discardDownload, dropDamagedShards, findOtherVersion, installPack, type InstallOptions, type InstallOutcome } from './model-store';
import { listInstallRecords, removeInstalled, storedShardHashes, type InstallRecord } from '../common/pack-db';
import { estimateStorage } from './storage-quota';

export interface LibraryEntry {
  record: InstallRecord;
  /** Bytes of its distinct shards: what it holds on disk (shared shards count for each model that uses them). */
  bytes: number;
  isDefault: boolean;
}

export interface StorageStatus {
  usage: number | null;
  quota: number | null;
  persisted: boolean | null;
}

/** Installed models, complete ones only, by name. */
export async function listLibrary(): Promise<LibraryEntry[]> {
  const stored = await storedShardHashes();
  const chosen = defaultModelKey();
  const entries: LibraryEntry[] = [];
  for (const record of await listInstallRecords()) {
    const shards = uniqueShards(record.manifest);
    if (!shards.every((s) => stored.has(s.sha256))) continue;
    entries.push({ record, bytes: shards.reduce((n, s) => n + s.size, 0), isDefault: record.key === chosen });
  }
  return entries.sort((a, b) => a.record.manifest.name.localeCompare(b.record.manifest.name) || a.record.key.localeCompare(b.record.key));
}

export async function storageStatus(): Promise<StorageStatus> {
  const estimate = await estimateStorage();
  let persisted: boolean | null = null;
  try {
    persisted = navigator.storage?.persisted ? await navigator.storage.persisted() : null;
  } catch {
    persisted = null;
  }
  return { usage: estimate?.usage ?? null, quota: estimate?.quota ?? null, persisted };
}

/** Records a finished install outside IndexedDB too, so that an eviction can be recognised later. */
export function rememberInstall(record: InstallRecord): void {
  const { manifest } = record;
  markInstalled({ key: record.key, name: manifest.name, version: manifest.version, manifestUrl: record.manifestUrl });
  if (defaultModelKey() === null) setDefaultModelKey(record.key);
}

/** Deletes a model and every shard no other installed model uses. */
export async function deleteModel(key: string): Promise<void> {
  await removeInstalled(key);
  unmarkInstalled(key);
}

/**
 * Installs a pack and, when another version of the same id was installed,
 * swaps over to it: shards both versions share are not downloaded again, the
 * new record is written only once every new shard is verified (until then
 * the old version stays complete and usable), and only then is the old
 * version deleted. A failure at any point leaves the old version working.
 */
export async function installOrUpdate(manifestUrl: string, options: InstallOptions = {}): Promise<InstallOutcome & { replaced: string | null }> {
  const outcome = await installPack(manifestUrl, options);
  rememberInstall(outcome.record);
  const old = await findOtherVersion(outcome.record.manifest);
  if (!old) return { ...outcome, replaced: null };
  if (defaultModelKey() === old.key) setDefaultModelKey(outcome.record.key);
  await deleteModel(old.key);
  return { ...outcome, replaced: old.key };
}

/** Cancel: forget the partial bytes and the shards only this unfinished download used. */
export async function cancelDownload(manifest: PackManifest): Promise<void> {
  await discardDownload(manifest);
}

/**
 * Models this browser installed whose data is gone although nobody deleted
 * them here: the browser evicted the site's storage.
 */
export async function evictedModels(): Promise<InstallMark[]> {
  const marks = installMarks();
  if (marks.length === 0) return [];
  const present = new Set((await listLibrary()).map((e) => e.record.key));
  return marks.filter((m) => !present.has(m.key));
}

export function evictionError(evicted: InstallMark[]): ZoetropeError {
  const names = evicted.map((m) => `${m.name} ${m.version}`).join(', ');
  return new ZoetropeError('StorageEvictedError', `The browser removed this site's stored data, including ${names}.`, { models: evicted.length });
}

export function forgetEvicted(key: string): void {
  unmarkInstalled(key);
}

/**
 * Hashes every stored shard of an installed model; shards whose bytes no
 * longer match are deleted and fetched again from where the model came from.
 * Returns how many were damaged.
 */
export async function repairModel(record: InstallRecord, options: InstallOptions = {}): Promise<number> {
  const damaged = await dropDamagedShards(record.manifest);
  if (damaged.length === 0) return 0;
  if (!/^https?:/.test(record.manifestUrl)) {
    throw new ZoetropeError('IntegrityError', `${damaged.length} stored piece(s) of ${record.manifest.name} are damaged, and it was not downloaded, so it cannot be fetched again.`, {
      stored: true,
      damaged: damaged.length,
    });
  }
  await installPack(record.manifestUrl, { ...options, manifest: record.manifest });
  return damaged.length;
}
