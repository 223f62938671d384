// Owns exporting an installed model as a .zoepack file in the browser. The
// archive is streamed shard by shard (zoepack-writer) into a file on disk, so
// memory stays at about one shard whatever the pack's size:
// - into the file the person picked, where the browser offers
//   showSaveFilePicker (nothing then touches the site's quota);
// - otherwise into a temporary file in the origin private file system (OPFS),
//   written by a worker through a sync access handle (zoepack-export.worker),
//   whose disk-backed File is then handed to the browser as a download. That
//   copy counts against the site's quota until it is removed: when the next
//   export starts, a while after the download, and when the app next starts
//   (a tab closed mid-export leaves one behind).
// A browser with neither API gets the archive folded into Blob parts.

import type { PackManifest } from '../shared/manifest';
import { writeZoepack, type ZoepackWriteOptions } from '../shared/zoepack-writer';
import { formatBytes } from './format';
import { abortError, ZoetropeError, type ErrorDetails, type ZoetropeErrorName } from '../shared/errors';
import type { ExportJob, ExportReply } from '../shared/zoepack-export-protocol';
import { shardReader } from '../common/shard-reader';

/** The OPFS folder that holds export files; everything in it is temporary. */
export const EXPORT_DIR = 'zoepack-exports';
const FOLD_BYTES = 16 * 1024 * 1024;
/** Room kept free on top of the pack, for the archive's headers and the browser's own writes. */
const HEADROOM = 16 * 1024 * 1024;

export function zoepackFileName(manifest: PackManifest): string {
  return `${manifest.id}-${manifest.version}.zoepack`;
}

/** What the person can save into; showSaveFilePicker's handle, or nothing. */
export type SaveTarget = FileSystemFileHandle | null;

export interface ExportResult {
  bytes: number;
  /** The disk-backed file to offer as a download; null when it went into a picked file. */
  file: File | null;
  /** Where it was written: the picked file, a temporary OPFS file, or Blob parts in memory (neither API). */
  via: 'picked' | 'opfs' | 'blob';
}

type Chunk = Uint8Array<ArrayBuffer>;

/** Asks where to save, where the browser can; null means "use a download". Call it first thing in the click handler. */
export async function pickSaveTarget(manifest: PackManifest): Promise<SaveTarget | 'cancelled'> {
  const picker = (window as { showSaveFilePicker?: (o: object) => Promise<FileSystemFileHandle> }).showSaveFilePicker;
  if (typeof picker !== 'function') return null;
  try {
    return await picker.call(window, {
      suggestedName: zoepackFileName(manifest),
      types: [{ description: 'Zoetrope model pack', accept: { 'application/octet-stream': ['.zoepack'] } }],
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') return 'cancelled';
    return null; // A picker that refuses (a policy, an iframe) falls back to a download.
  }
}

export async function exportZoepack(manifest: PackManifest, target: SaveTarget, options: ZoepackWriteOptions = {}): Promise<ExportResult> {
  if (target) return { bytes: await writeInto(manifest, await target.createWritable(), options), file: null, via: 'picked' };
  const dir = await exportDir();
  if (dir && typeof Worker !== 'undefined') {
    await clearExports(dir);
    await checkExportRoom(manifest);
    const name = zoepackFileName(manifest);
    try {
      const bytes = await writeInWorker(manifest, name, options);
      if (bytes !== null) return { bytes, file: await (await dir.getFileHandle(name)).getFile(), via: 'opfs' };
    } catch (e) {
      await dir.removeEntry(name).catch(() => {});
      throw e;
    }
  }
  const file = await exportToBlob(manifest, options);
  return { bytes: file.size, file, via: 'blob' };
}

/** Runs the export worker; resolves with the bytes written, or null where sync access handles are missing. */
function writeInWorker(manifest: PackManifest, name: string, options: ZoepackWriteOptions): Promise<number | null> {
  const worker = new Worker(new URL('../../workers/zoepack-export.worker.ts', import.meta.url), { type: 'module', name: 'zoetrope-export' });
  let onAbort = () => {};
  return new Promise<number | null>((resolve, reject) => {
    onAbort = () => reject(abortError('The export was cancelled.'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.onmessage = (event: MessageEvent<ExportReply>) => {
      const reply = event.data;
      if (reply.kind === 'progress') options.onProgress?.(reply.done, reply.total);
      else if (reply.kind === 'done') resolve(reply.bytes);
      else if (reply.kind === 'unsupported') resolve(null);
      else reject(new ZoetropeError(reply.name as ZoetropeErrorName, reply.message, reply.details as ErrorDetails));
    };
    worker.onerror = (event) => reject(new ZoetropeError('PackFileError', `The export stopped: ${event.message}`, { reason: 'worker' }));
    const job: ExportJob = { manifest, dir: EXPORT_DIR, name };
    worker.postMessage(job);
  }).finally(() => {
    options.signal?.removeEventListener('abort', onAbort);
    worker.terminate();
  });
}

/** Removes the temporary export files: at start-up, and a while after a download was handed over. */
export async function clearExports(dir?: FileSystemDirectoryHandle | null): Promise<number> {
  // At start-up nothing is created: a browser that never exported has no folder to clear.
  const folder = dir === undefined ? await exportDir(false) : dir;
  if (!folder) return 0;
  let removed = 0;
  for await (const name of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) {
    await folder.removeEntry(name).then(() => removed++, () => {});
  }
  return removed;
}

/** How long to keep a downloaded export: a minute, plus a second per 20 MB for the browser to copy it. */
export const keepExportMs = (bytes: number) => 60_000 + Math.ceil(bytes / 20e6) * 1000;

async function exportDir(create = true): Promise<FileSystemDirectoryHandle | null> {
  try {
    return await (await navigator.storage.getDirectory()).getDirectoryHandle(EXPORT_DIR, { create });
  } catch {
    return null;
  }
}

/** The temporary copy needs the pack's size in the site's quota, next to the installed model itself. */
async function checkExportRoom(manifest: PackManifest): Promise<void> {
  const estimate = await navigator.storage.estimate().catch(() => null);
  if (!estimate?.quota) return;
  const free = estimate.quota - (estimate.usage ?? 0);
  const needed = manifest.totalBytes + HEADROOM;
  if (free < needed) {
    throw new ZoetropeError(
      'StorageQuotaError',
      `Exporting ${manifest.name} needs ${formatBytes(needed)} of this site's storage for a temporary copy, but only ${formatBytes(Math.max(0, free))} is free. Use a browser that asks where to save the file (Chrome or Edge on a computer), or make the pack with \`npm run zoepack -- pack\`.`,
    );
  }
}

async function writeInto(manifest: PackManifest, out: FileSystemWritableFileStream, options: ZoepackWriteOptions): Promise<number> {
  let bytes = 0;
  try {
    await writeZoepack(manifest, shardReader(manifest), async (chunk) => {
      await out.write(chunk as Chunk);
      bytes += chunk.byteLength;
    }, options);
    await out.close();
    return bytes;
  } catch (e) {
    await out.abort().catch(() => {});
    throw e;
  }
}

async function exportToBlob(manifest: PackManifest, options: ZoepackWriteOptions): Promise<File> {
  const parts: Blob[] = [];
  let chunks: Chunk[] = [];
  let chunkBytes = 0;
  const fold = () => {
    if (chunks.length > 0) parts.push(new Blob(chunks));
    chunks = [];
    chunkBytes = 0;
  };
  await writeZoepack(manifest, shardReader(manifest), (chunk) => {
    chunks.push(chunk as Chunk);
    chunkBytes += chunk.byteLength;
    if (chunkBytes >= FOLD_BYTES) fold();
  }, options);
  fold();
  return new File(parts, zoepackFileName(manifest), { type: 'application/octet-stream' });
}
