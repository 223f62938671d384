// Owns the one check every model file passes before the engine uses it,
// wherever its shards come from: the shards are joined in manifest order and
// the whole file must have the manifest's size and SHA-256, or it is refused
// with IntegrityError. Installed packs read their shards from IndexedDB
// (pack-db.ts); a .zoepack held in memory reads them from the file
// (workers/pack-source.ts). A missing shard is the source's own error.
// Runs in both threads (src/common/): the page's and the workers'; it imports only src/shared.

import { ZoetropeError } from '../shared/errors';
import type { FileEntry } from '../shared/manifest';
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
  const where = origin === 'storage' ? "in this browser's storage does not match the pack" : 'in the .zoepack file does not match its SHA-256: the file was damaged or altered';
  throw new ZoetropeError('IntegrityError', `${file.path} ${where}.`, {
    stored: origin === 'storage',
    origin,
    file: file.path,
    expected: file.sha256,
    actual: digest,
  });
}
