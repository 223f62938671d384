// Owns writing a .zoepack into a file of the origin private file system from
// a dedicated worker, through a sync access handle that writes straight to
// the file, off the page's thread. Shards are read from IndexedDB one at a
// time, so memory holds about one shard (npm run bench:zoepack: the browser
// process grew 3 MB exporting 537 MB, against 543 MB with Blob parts).

/// <reference lib="webworker" />
import { toZoetropeError } from '../src/shared/errors';
import { writeZoepack } from '../src/shared/zoepack-writer';
import { shardReader } from '../src/common/shard-reader';
import type { ExportJob, ExportReply } from '../src/shared/zoepack-export-protocol';

const post = (reply: ExportReply) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(reply);

self.onmessage = async (event: MessageEvent<ExportJob>) => {
  const { manifest, dir, name } = event.data;
  let handle: FileSystemSyncAccessHandle | null = null;
  try {
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir, { create: true });
    const file = await folder.getFileHandle(name, { create: true });
    if (typeof file.createSyncAccessHandle !== 'function') {
      post({ kind: 'unsupported' });
      return;
    }
    const sync = (handle = await file.createSyncAccessHandle());
    sync.truncate(0);
    let at = 0;
    await writeZoepack(
      manifest,
      shardReader(manifest),
      (chunk) => {
        for (let written = 0; written < chunk.byteLength; ) written += sync.write(chunk.subarray(written), { at: at + written });
        at += chunk.byteLength;
      },
      { onProgress: (done, total) => post({ kind: 'progress', done, total }) },
    );
    sync.flush();
    post({ kind: 'done', bytes: at });
  } catch (e) {
    const error = toZoetropeError(e);
    post({ kind: 'error', name: error.name, message: error.message, details: { ...error.details } });
  } finally {
    handle?.close();
  }
};
