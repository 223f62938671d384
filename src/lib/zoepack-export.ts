// Owns exporting an installed model as a .zoepack file in the browser. The
// archive is streamed shard by shard (zoepack-writer); its pieces are folded
// into Blobs of about 16 MiB as they come, so the JS heap holds one piece at a
// time while the browser keeps (and may page to disk) the Blob parts.

import type { PackManifest } from '../shared/manifest';
import { writeZoepack, type ZoepackWriteOptions } from '../shared/zoepack-writer';
import { packFileError } from '../shared/zoepack';
import { getShard } from './pack-db';

const FOLD_BYTES = 16 * 1024 * 1024;

export function zoepackFileName(manifest: PackManifest): string {
  return `${manifest.id}-${manifest.version}.zoepack`;
}

export async function exportZoepack(manifest: PackManifest, options: ZoepackWriteOptions = {}): Promise<Blob> {
  const parts: Blob[] = [];
  let chunks: Uint8Array<ArrayBuffer>[] = [];
  let chunkBytes = 0;
  const fold = () => {
    if (chunks.length === 0) return;
    parts.push(new Blob(chunks));
    chunks = [];
    chunkBytes = 0;
  };
  await writeZoepack(
    manifest,
    async (sha256) => {
      const bytes = await getShard(sha256);
      if (!bytes) throw packFileError('missing', `A piece of ${manifest.name} is missing from this browser's storage; install the model again before exporting it.`);
      return bytes;
    },
    (chunk) => {
      chunks.push(chunk as Uint8Array<ArrayBuffer>);
      chunkBytes += chunk.byteLength;
      if (chunkBytes >= FOLD_BYTES) fold();
    },
    options,
  );
  fold();
  return new Blob(parts, { type: 'application/octet-stream' });
}
