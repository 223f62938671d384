// Owns the one check every model file passes before the engine uses it,
// wherever its shards come from: the shards are joined in manifest order and
// the whole file must have the manifest's size and SHA-256, or it is refused
// with IntegrityError. Installed packs read their shards from IndexedDB
// (pack-db.ts); a .zoepack held in memory reads them from the file
// (workers/pack-source.ts). A missing shard is the source's own error.
// readCheckedFile reads a file shard by shard instead (what the engine uses):
// each shard is hashed with Web Crypto against the manifest's SHA-256 for it,
// copied into the file and dropped, so a 256 MiB external-data file costs its
// own bytes plus one shard (Web Crypto's copy of it), not two or three copies
// of itself. The file is then exactly the manifest's shards, in its order.
// (An incremental SHA-256 of the whole file in JS was tried: 13 MB/s against
// Web Crypto's 132 MB/s on the loaded 2-core machine here, and a 2.7 GB pack
// took 177 s to read; README "Large packs".)
// Runs in both threads (src/common/): the page's and the workers'; it imports only src/shared.

import { ZoetropeError } from '../shared/errors';
import type { FileEntry, ShardEntry } from '../shared/manifest';
import { sha256Hex } from './sha256';

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
 * missing shard, which `missing` turns into the source's own error): each
 * shard must have the manifest's size and SHA-256, and together the file's
 * size; a file of one shard is also held to the file's own SHA-256.
 */
export async function readCheckedFile(
  file: FileEntry,
  readShard: (shard: ShardEntry) => Promise<Uint8Array | undefined>,
  missing: (shard: ShardEntry) => Error,
  origin: ShardOrigin,
): Promise<Uint8Array> {
  const out = new Uint8Array(file.size);
  let offset = 0;
  for (const shard of file.shards) {
    const part = await readShard(shard);
    if (!part) throw missing(shard);
    const digest = await sha256Hex(part);
    if (part.byteLength !== shard.size || offset + part.byteLength > file.size || digest !== shard.sha256) throw integrityError(file, digest, origin, shard.sha256);
    out.set(part, offset);
    offset += part.byteLength;
  }
  if (offset !== file.size) throw integrityError(file, '', origin);
  if (file.shards.length === 1 && file.shards[0]!.sha256 !== file.sha256) throw integrityError(file, file.shards[0]!.sha256, origin);
  return out;
}

function integrityError(file: FileEntry, digest: string, origin: ShardOrigin, shard: string | null = null): ZoetropeError {
  const where = origin === 'storage' ? "in this browser's storage does not match the pack" : 'in the .zoepack file does not match its SHA-256: the file was damaged or altered';
  return new ZoetropeError('IntegrityError', `${file.path} ${where}.`, {
    stored: origin === 'storage',
    origin,
    file: file.path,
    expected: file.sha256,
    actual: digest,
    /** The shard whose bytes differ, when one was read and checked alone. */
    shard,
  });
}
