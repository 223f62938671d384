// Owns reading a pack's stored shards for the .zoepack writer. Runs in both
// threads: the page's Blob fallback (src/lib/zoepack-export.ts) and the
// export worker (workers/zoepack-export.worker.ts) read shards the same way.

import type { PackManifest } from '../shared/manifest';
import { packFileError } from '../shared/zoepack';
import { getShard } from './pack-db';

/** Reads one stored shard for the writer; PackFileError when it is gone. */
export const shardReader = (manifest: PackManifest) => async (sha256: string) => {
  const bytes = await getShard(sha256);
  if (!bytes) throw packFileError('missing', `A piece of ${manifest.name} is missing from this browser's storage; install the model again before exporting it.`);
  return bytes;
};
