// Owns the IndexedDB layout of installed packs, shared by the model store
// (main thread, writes) and the engine worker (reads). Two idb-keyval
// stores of our own: shards keyed by their SHA-256 (content-addressed, so
// packs that share bytes store them once) and install records keyed id@version.
// An install record is written last, only after every shard was verified.
// Runs in both threads (src/common/): the page's and the workers'; it imports only src/shared.

import { createStore, del, entries, get, keys, promisifyRequest, set, type UseStore } from 'idb-keyval';
import { ZoetropeError } from '../shared/errors';
import type { FileEntry, PackManifest } from '../shared/manifest';
import { modelKey } from '../shared/manifest';
import { readCheckedFile } from './pack-file';

export interface InstallRecord {
  key: string;
  manifest: PackManifest;
  /** Where the pack came from: its manifest URL, or `file:<name>` for an imported .zoepack. */
  manifestUrl: string;
  installedAt: string;
  shardCount: number;
}

let shardStore: UseStore | null = null;
let recordStore: UseStore | null = null;

// Stores are opened lazily: createStore opens a database connection.
function shards(): UseStore {
  return (shardStore ??= createStore('zoetrope-shards', 'shards'));
}
function records(): UseStore {
  return (recordStore ??= createStore('zoetrope-models', 'models'));
}

// count() answers from the key alone: get() would read a whole (up to 32 MiB) shard just to test it.
export async function hasShard(sha256: string): Promise<boolean> {
  return (await shards()('readonly', (store) => promisifyRequest(store.count(sha256)))) > 0;
}

/** Every stored shard hash, read from the keys only. */
export async function storedShardHashes(): Promise<Set<string>> {
  return new Set(await keys<string>(shards()));
}

export async function putShard(sha256: string, bytes: Uint8Array): Promise<void> {
  await set(sha256, bytes, shards());
}

export async function getShard(sha256: string): Promise<Uint8Array | undefined> {
  return get<Uint8Array>(sha256, shards());
}

export async function deleteShard(sha256: string): Promise<void> {
  await del(sha256, shards());
}

/** Every shard hash that some install record still names. */
export async function shardsInUse(): Promise<Set<string>> {
  const used = new Set<string>();
  for (const record of await listInstallRecords()) {
    for (const f of record.manifest.files) for (const s of f.shards) used.add(s.sha256);
  }
  return used;
}

/**
 * Deletes those of `candidates` that no install record names: what a
 * cancelled download or a rejected import leaves behind.
 */
export async function deleteUnused(candidates: Iterable<string>): Promise<number> {
  const used = await shardsInUse();
  let removed = 0;
  for (const sha of new Set(candidates)) {
    if (!used.has(sha) && (await hasShard(sha))) {
      await del(sha, shards());
      removed++;
    }
  }
  return removed;
}

export async function getInstallRecord(key: string): Promise<InstallRecord | undefined> {
  return get<InstallRecord>(key, records());
}

export async function putInstallRecord(manifest: PackManifest, manifestUrl: string): Promise<InstallRecord> {
  const record: InstallRecord = {
    key: modelKey(manifest),
    manifest,
    manifestUrl,
    installedAt: new Date().toISOString(),
    shardCount: manifest.files.reduce((n, f) => n + f.shards.length, 0),
  };
  await set(record.key, record, records());
  return record;
}

export async function listInstallRecords(): Promise<InstallRecord[]> {
  return (await entries<string, InstallRecord>(records())).map(([, r]) => r);
}

/** Removes a pack's record and every shard no other installed pack uses. */
export async function removeInstalled(key: string): Promise<void> {
  const record = await getInstallRecord(key);
  if (!record) return;
  await del(key, records());
  await deleteUnused(record.manifest.files.flatMap((f) => f.shards.map((s) => s.sha256)));
}

/**
 * Reassembles one file from its stored shards, one shard in memory at a time;
 * readCheckedFile checks each shard's size and SHA-256 as it goes.
 */
export async function readPackFile(file: FileEntry): Promise<Uint8Array> {
  return readCheckedFile(
    file,
    (shard) => getShard(shard.sha256),
    (shard) =>
      new ZoetropeError('ModelNotInstalledError', `A piece of ${file.path} is missing from this browser's storage.`, {
        file: file.path,
        shard: shard.sha256,
      }),
    'storage',
  );
}
