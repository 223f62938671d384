// Owns importing a .zoepack file into this browser. Each shard is read from
// the file on its own (File.slice), checked against the manifest's size and
// SHA-256 and only then stored; the install record is written last, once
// every shard is there. Any failure (a file cut short, a changed byte, a
// manifest that does not validate, a full disk) deletes the shards this
// import stored, so nothing half-installed stays behind.

import { abortError, toZoetropeError, ZoetropeError } from '../shared/errors';
import { validateManifest, type PackManifest } from '../shared/manifest';
import { packFileError, readZoepackDirectory, readZoepackEntry, ZOEPACK_MANIFEST, zoepackShardName, type ReadAt } from '../shared/zoepack';
import { rememberInstall } from './model-library';
import { uniqueShards } from './model-store';
import { deleteUnused, hasShard, putInstallRecord, putShard, type InstallRecord } from './pack-db';
import { sha256Hex } from './sha256';
import { ensureRoomFor, requestPersistence } from './storage-quota';

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface ImportOutcome {
  record: InstallRecord;
  /** Shard bytes read from the file and stored (shards already stored are skipped). */
  storedBytes: number;
}

export async function importZoepack(file: Blob, fileName: string, options: ImportOptions = {}): Promise<ImportOutcome> {
  const readAt: ReadAt = async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer());
  const entries = await readZoepackDirectory(readAt, file.size);
  const manifestEntry = entries.get(ZOEPACK_MANIFEST);
  if (!manifestEntry) throw packFileError('no-manifest', 'The file has no manifest.json, so it is not a model pack.');
  const manifest = parseManifest(await readZoepackEntry(readAt, manifestEntry));

  const shards = uniqueShards(manifest);
  const bytesTotal = shards.reduce((n, s) => n + s.size, 0);
  // Every shard must be in the file before a single byte is stored.
  for (const s of shards) {
    const entry = entries.get(zoepackShardName(s.sha256));
    if (!entry) throw packFileError('missing', `The file lacks a piece of ${manifest.name} (${s.sha256.slice(0, 12)}…): it is incomplete.`);
    if (entry.size !== s.size) throw packFileError('damaged', `A piece of ${manifest.name} in the file has ${entry.size} bytes instead of ${s.size}.`);
  }
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
      const bytes = await readZoepackEntry(readAt, entries.get(zoepackShardName(s.sha256))!);
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

function parseManifest(bytes: Uint8Array): PackManifest {
  try {
    return validateManifest(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (error) {
    const e = toZoetropeError(error);
    throw new ZoetropeError('PackFileError', `The manifest in the file is not valid: ${e.message}`, { reason: 'manifest' });
  }
}

