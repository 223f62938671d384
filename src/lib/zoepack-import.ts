// Owns importing a .zoepack file into this browser. Each shard is read from
// the file on its own (File.slice), checked against the manifest's size and
// SHA-256 and only then stored; the install record is written last, once
// every shard is there. Any failure (a file cut short, a changed byte, a
// manifest that does not validate, a full disk) deletes the shards this
// import stored, so nothing half-installed stays behind.

import { abortError, toZoetropeError } from '../shared/errors';
import { packFileError } from '../shared/zoepack';
import { rememberInstall } from './model-library';
import { deleteUnused, hasShard, putInstallRecord, putShard, type InstallRecord } from '../common/pack-db';
import { sha256Hex } from '../common/sha256';
import { ensureRoomFor, requestPersistence } from './storage-quota';
import { openZoepack, type OpenedZoepack } from '../common/zoepack-read';

export interface ImportOptions {
  signal?: AbortSignal;
  /** The file's table of contents, when the caller has read it already (for the licence step). */
  opened?: OpenedZoepack;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface ImportOutcome {
  record: InstallRecord;
  /** Shard bytes read from the file and stored (shards already stored are skipped). */
  storedBytes: number;
}

export async function importZoepack(file: Blob, fileName: string, options: ImportOptions = {}): Promise<ImportOutcome> {
  // Every shard must be in the file, with its size, before a single byte is stored.
  const { manifest, shards, readShard } = options.opened ?? (await openZoepack(file));
  const bytesTotal = shards.reduce((n, s) => n + s.size, 0);
  const missing = [];
  for (const s of shards) if (!(await hasShard(s.sha256))) missing.push(s);
  await requestPersistence();
  await ensureRoomFor(missing.reduce((n, s) => n + s.size, 0));

  const written: string[] = [];
  let bytesDone = bytesTotal - missing.reduce((n, s) => n + s.size, 0);
  let storedBytes = 0;
  options.onProgress?.(bytesDone, bytesTotal);
  try {
    for (const s of missing) {
      if (options.signal?.aborted) throw abortError('The import was cancelled.');
      const bytes = await readShard(s.sha256);
      const digest = await sha256Hex(bytes);
      if (digest !== s.sha256) {
        throw packFileError('tampered', `A piece of ${manifest.name} in the file does not match its SHA-256 (got ${digest.slice(0, 12)}…, expected ${s.sha256.slice(0, 12)}…): the file was damaged or altered.`);
      }
      written.push(s.sha256);
      await putShard(s.sha256, bytes);
      bytesDone += s.size;
      storedBytes += s.size;
      options.onProgress?.(bytesDone, bytesTotal);
    }
    const record = await putInstallRecord(manifest, `file:${fileName}`);
    rememberInstall(record);
    return { record, storedBytes };
  } catch (error) {
    await deleteUnused(written).catch(() => {});
    throw toZoetropeError(error);
  }
}
