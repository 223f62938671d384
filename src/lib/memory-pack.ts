// Owns a model pack that the page holds in memory because the browser will
// not let it store data (IndexedDB blocked or broken): a .zoepack the person
// picks is opened (its table of contents, manifest and shard sizes checked,
// before anything is copied), then copied into a Blob that lives as long as
// this page. Nothing is written to storage, so a reload forgets it. The
// engine reads and checks the files from that copy (workers/pack-source.ts),
// so a file moved or changed on disk afterwards does not matter.

import type { PackSource } from '../shared/engine-api';
import type { PackManifest } from '../shared/manifest';
import { openZoepack, type OpenedZoepack } from '../common/zoepack-read';

export interface MemoryPack {
  manifest: PackManifest;
  fileName: string;
  bytes: number;
  source: Extract<PackSource, { kind: 'zoepack' }>;
}

/** `opened`: the file's table of contents, when the caller has read it already (for the licence step). */
export async function openMemoryPack(file: File, opened?: OpenedZoepack): Promise<MemoryPack> {
  const { manifest } = opened ?? (await openZoepack(file)); // PackFileError here for a file cut short, not a ZIP, or a bad manifest.
  const copy = new Blob([await file.arrayBuffer()], { type: 'application/zip' });
  return { manifest, fileName: file.name, bytes: copy.size, source: { kind: 'zoepack', file: copy, fileName: file.name } };
}
