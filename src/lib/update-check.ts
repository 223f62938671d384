// Owns "Check for updates" on one installed model: read its manifest URL
// again (nothing but the manifest is downloaded) and say whether the
// publisher put a newer version there, and how many bytes it would cost.
// Installing the update is AddModel's usual path (shared shards are kept).

import type { InstallRecord } from '../common/pack-db';
import { previewInstall } from './model-store';

export type UpdateCheck =
  | { state: 'current'; version: string }
  | { state: 'newer' | 'older'; version: string; missingBytes: number; fits: boolean }
  | { state: 'other-model'; name: string };

export async function checkForUpdate(record: InstallRecord, signal?: AbortSignal): Promise<UpdateCheck> {
  const preview = await previewInstall(record.manifestUrl, signal);
  const found = preview.manifest;
  if (found.id !== record.manifest.id) return { state: 'other-model', name: found.name };
  if (found.version === record.manifest.version) return { state: 'current', version: found.version };
  const state = compareVersions(found.version, record.manifest.version) > 0 ? 'newer' : 'older';
  return { state, version: found.version, missingBytes: preview.missingBytes, fits: preview.fits };
}

/** Compares dotted versions part by part, numbers as numbers ("0.10.0" > "0.9.1"); other text by code points. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/);
  const pb = b.split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const d = Number.isInteger(nx) && Number.isInteger(ny) ? nx - ny : x < y ? -1 : x > y ? 1 : 0;
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
