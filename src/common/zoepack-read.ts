// Owns opening a .zoepack held in a Blob (a picked or dropped File, or the
// page's in-memory copy): its table of contents, its manifest (validated), and
// the check that every shard the manifest names is there with its size, all
// before a byte of weights is read. Shared by the import into IndexedDB
// (zoepack-import.ts), which checks and stores each shard, and by the
// engine's pack source for a pack held in memory (workers/pack-source.ts),
// which reads shards through here and checks each file it uses.
// Runs in both threads (src/common/): the page's and the workers'; it imports only src/shared.

import { toZoetropeError, ZoetropeError } from '../shared/errors';
import { uniqueShards, validateManifest, type PackManifest, type ShardEntry } from '../shared/manifest';
import { packFileError, readZoepackDirectory, readZoepackEntry, ZOEPACK_MANIFEST, zoepackShardName, type ReadAt, type ZipEntry } from '../shared/zoepack';

export interface OpenedZoepack {
  manifest: PackManifest;
  /** Each distinct shard once, in manifest order. */
  shards: ShardEntry[];
  /** The stored bytes of one shard, as they are in the file (not hashed here). */
  readShard(sha256: string): Promise<Uint8Array>;
}

export async function openZoepack(file: Blob): Promise<OpenedZoepack> {
  const readAt: ReadAt = async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer());
  const entries = await readZoepackDirectory(readAt, file.size);
  const manifestEntry = entries.get(ZOEPACK_MANIFEST);
  if (!manifestEntry) throw packFileError('no-manifest', 'The file has no manifest.json, so it is not a model pack.');
  const manifest = parseManifest(await readZoepackEntry(readAt, manifestEntry));

  const shards = uniqueShards(manifest);
  const found = new Map<string, ZipEntry>();
  for (const s of shards) {
    const entry = entries.get(zoepackShardName(s.sha256));
    if (!entry) throw packFileError('missing', `The file lacks a piece of ${manifest.name} (${s.sha256.slice(0, 12)}…): it is incomplete.`);
    if (entry.size !== s.size) throw packFileError('damaged', `A piece of ${manifest.name} in the file has ${entry.size} bytes instead of ${s.size}.`);
    found.set(s.sha256, entry);
  }
  return {
    manifest,
    shards,
    readShard: async (sha256) => {
      const entry = found.get(sha256);
      if (!entry) throw packFileError('missing', `The file lacks a piece of ${manifest.name} (${sha256.slice(0, 12)}…).`);
      return readZoepackEntry(readAt, entry);
    },
  };
}

function parseManifest(bytes: Uint8Array): PackManifest {
  try {
    return validateManifest(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (error) {
    const e = toZoetropeError(error);
    throw new ZoetropeError('PackFileError', `The manifest in the file is not valid: ${e.message}`, { reason: 'manifest' });
  }
}
