// Owns where a pack's files are read from, for the engine worker's sessions and the
// page's token count alike (PackSource in src/shared/engine-api.ts): the install record and shards in IndexedDB, or a
// .zoepack the page holds in memory when the browser will not let it store
// data. Either way each file goes through the same check (src/common/pack-file.ts
// readCheckedFile: each shard's size and SHA-256 against the manifest, and the
// file's size, IntegrityError when one differs), so a pack held in memory is trusted exactly as much as an
// installed one. Files are read one shard at a time and each shard checked as
// it comes (readCheckedFile), and only when the engine asks for each: a multi-GB pack
// is never assembled whole (see workers/graph-bytes.ts).

import type { LoadRequest } from '../shared/engine-api';
import { ZoetropeError } from '../shared/errors';
import { modelKey, type FileEntry, type PackManifest } from '../shared/manifest';
import { getInstallRecord, readPackFile } from './pack-db';
import { readCheckedFile } from './pack-file';
import { openZoepack } from './zoepack-read';

export interface PackReader {
  manifest: PackManifest;
  /** One whole file of the pack, checked. */
  readFile(file: FileEntry): Promise<Uint8Array>;
}

export async function openPackSource(request: Pick<LoadRequest, 'modelKey' | 'source'>): Promise<PackReader> {
  const source = request.source ?? { kind: 'installed' };
  if (source.kind === 'installed') {
    const record = await getInstallRecord(request.modelKey);
    if (!record) {
      throw new ZoetropeError('ModelNotInstalledError', `The model ${request.modelKey} is not installed in this browser.`, { model: request.modelKey });
    }
    return { manifest: record.manifest, readFile: readPackFile };
  }
  const pack = await openZoepack(source.file);
  if (modelKey(pack.manifest) !== request.modelKey) {
    throw new ZoetropeError('PackFileError', `${source.fileName} holds ${modelKey(pack.manifest)}, not ${request.modelKey}.`, { reason: 'other-model' });
  }
  return {
    manifest: pack.manifest,
    readFile: (file) =>
      readCheckedFile(
        file,
        (shard) => pack.readShard(shard.sha256),
        () => new ZoetropeError('PackFileError', `${source.fileName} is missing a piece of ${file.path}.`, { reason: 'missing-shard', file: file.path }),
        'zoepack',
      ),
  };
}
