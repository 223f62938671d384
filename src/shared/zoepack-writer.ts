// Owns writing a .zoepack (see zoepack.ts for the format) as a stream, for
// the browser's export and the Node CLI alike: fflate's streaming Zip emits
// the archive in pieces, one stored shard at a time, and each piece goes to
// `write` before the next shard is read, so a pack of several GB never has
// to fit in memory.

import { Zip, ZipPassThrough } from 'fflate';
import { abortError } from './errors';
import type { PackManifest } from './manifest';
import { packFileError, ZOEPACK_MANIFEST, zoepackShardName } from './zoepack';

export interface ZoepackWriteOptions {
  signal?: AbortSignal;
  /** Bytes of shards written so far, of the pack's total. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

/** A fixed date, so that packing the same folder twice gives the same bytes. */
const MTIME = new Date('2025-01-01T00:00:00Z');
/**
 * ZIP without ZIP64 stores 32-bit sizes and offsets, and fflate writes no
 * ZIP64 (fflate issues #81 and #230), so a pack must end below 4 GiB. Past it
 * the sizes would wrap around silently; packs that big are refused up front.
 */
export const ZOEPACK_LIMIT = 0xffffffff;
/** Bytes of ZIP headers per entry (local header, central entry, a shard name of 71 bytes), rounded up. */
const ENTRY_OVERHEAD = 200;

const manifestBytes = (manifest: PackManifest) => new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);

/** PackFileError (reason too-large) when the pack cannot fit in a .zoepack; call it before anything is written. */
export function checkZoepackSize(manifest: PackManifest): void {
  const shards = new Map<string, number>();
  for (const f of manifest.files) for (const s of f.shards) shards.set(s.sha256, s.size);
  const bytes = [...shards.values()].reduce((n, s) => n + s, 0) + (shards.size + 1) * ENTRY_OVERHEAD + manifestBytes(manifest).byteLength;
  if (bytes > ZOEPACK_LIMIT) {
    throw packFileError(
      'too-large',
      `${manifest.name} is ${(bytes / 2 ** 30).toFixed(2)} GiB, larger than 4 GiB, the most a .zoepack can hold (plain ZIP, without ZIP64). Copy the model's pack folder instead and install it from a local server.`,
    );
  }
}

export async function writeZoepack(
  manifest: PackManifest,
  readShard: (sha256: string) => Promise<Uint8Array>,
  write: (chunk: Uint8Array) => Promise<void> | void,
  options: ZoepackWriteOptions = {},
): Promise<void> {
  const shards = new Map<string, number>();
  for (const f of manifest.files) for (const s of f.shards) shards.set(s.sha256, s.size);
  const bytesTotal = [...shards.values()].reduce((n, s) => n + s, 0);
  checkZoepackSize(manifest);
  const pending: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else pending.push(chunk);
  });
  const flush = async () => {
    if (failure) throw failure;
    while (pending.length > 0) await write(pending.shift()!);
  };
  const add = async (name: string, bytes: Uint8Array) => {
    const entry = new ZipPassThrough(name);
    entry.mtime = MTIME;
    zip.add(entry);
    entry.push(bytes, true);
    await flush();
  };

  await add(ZOEPACK_MANIFEST, manifestBytes(manifest));
  let bytesDone = 0;
  options.onProgress?.(0, bytesTotal);
  for (const [sha256, size] of shards) {
    if (options.signal?.aborted) throw abortError('The export was cancelled.');
    const bytes = await readShard(sha256);
    if (bytes.byteLength !== size) throw packFileError('damaged', `A stored piece of ${manifest.name} has the wrong size.`);
    await add(zoepackShardName(sha256), bytes);
    bytesDone += size;
    options.onProgress?.(bytesDone, bytesTotal);
  }
  zip.end();
  await flush();
}
