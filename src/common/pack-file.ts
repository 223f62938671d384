// Owns the one check every model file passes before the engine uses it,
// wherever its shards come from: the shards are joined in manifest order and
// the whole file must have the manifest's size and SHA-256, or it is refused
// with IntegrityError. Installed packs read their shards from IndexedDB
// (pack-db.ts); a .zoepack held in memory reads them from the file
// (workers/pack-source.ts). A missing shard is the source's own error.
// readCheckedFile does it shard by shard: each shard is copied into the file
// and hashed as it arrives, then dropped, so a 256 MiB external-data file
// costs its own bytes plus one shard, not two or three copies of itself.
// Runs in both threads (src/common/): the page's and the workers'; it imports only src/shared.

import { ZoetropeError } from '../shared/errors';
import type { FileEntry, ShardEntry } from '../shared/manifest';
import { sha256Hex } from './sha256';
import { Sha256 } from './sha256-stream';

/** Where the shards came from: it changes what the error says, not what is checked. */
export type ShardOrigin = 'storage' | 'zoepack';

export async function assemblePackFile(file: FileEntry, parts: Uint8Array[], origin: ShardOrigin): Promise<Uint8Array> {
  const out = new Uint8Array(file.size);
  let offset = 0;
  let fits = true;
  for (const part of parts) {
    if (offset + part.byteLength > file.size) {
      fits = false;
      break;
    }
    out.set(part, offset);
    offset += part.byteLength;
  }
  const digest = await sha256Hex(out);
  if (fits && offset === file.size && digest === file.sha256) return out;
  throw integrityError(file, digest, origin);
}

/**
 * One file, read one shard at a time (`readShard` answers undefined for a
 * missing shard, which `missing` turns into the source's own error) and
 * checked as it is read: the whole file's size and SHA-256, as assemblePackFile.
 */
export async function readCheckedFile(
  file: FileEntry,
  readShard: (shard: ShardEntry) => Promise<Uint8Array | undefined>,
  missing: (shard: ShardEntry) => Error,
  origin: ShardOrigin,
): Promise<Uint8Array> {
  const out = new Uint8Array(file.size);
  const hash = new Sha256();
  let offset = 0;
  for (const shard of file.shards) {
    const part = await readShard(shard);
    if (!part) throw missing(shard);
    if (offset + part.byteLength > file.size) throw integrityError(file, hash.update(part).hex(), origin);
    out.set(part, offset);
    hash.update(part);
    offset += part.byteLength;
  }
  const digest = hash.hex();
  if (offset === file.size && digest === file.sha256) return out;
  throw integrityError(file, digest, origin);
}

function integrityError(file: FileEntry, digest: string, origin: ShardOrigin): ZoetropeError {
  const where = origin === 'storage' ? "in this browser's storage does not match the pack" : 'in the .zoepack file does not match its SHA-256: the file was damaged or altered';
  return new ZoetropeError('IntegrityError', `${file.path} ${where}.`, {
    stored: origin === 'storage',
    origin,
    file: file.path,
    expected: file.sha256,
    actual: digest,
  });
}
