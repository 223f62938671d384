// Owns installing model packs: fetch and validate the manifest, check the
// quota, download each missing shard (shard-download resumes interrupted
// ones), verify its SHA-256 and only then store it, and record the pack as
// installed once every shard is verified. Also the install-side questions the
// library asks: what an install would cost, cancel, damaged shards, updates.
// Runs on the main thread (fetch + Web Crypto + IndexedDB; no heavy compute).

import { abortError, toZoetropeError, ZoetropeError } from '../shared/errors';
import { modelKey, shardUrl, uniqueShards, validateManifest, type PackManifest, type ShardEntry } from '../shared/manifest';
import type { InstallProgress } from '../shared/progress';
import { deleteShard, deleteUnused, getInstallRecord, getShard, hasShard, listInstallRecords, putInstallRecord, putShard, type InstallRecord } from '../common/pack-db';
import { assertDownloadAllowed } from './download-policy';
import { clearPieces } from './partial-db';
import { sha256Hex } from '../common/sha256';
import { downloadShard } from './shard-download';
import { checkRoom, ensureRoomFor, estimateStorage, quotaError, requestPersistence } from './storage-quota';
import { formatBytes } from './format';

export interface InstallOptions {
  signal?: AbortSignal;
  onProgress?: (event: InstallProgress) => void;
  /** A manifest already fetched and validated (by a preview), so it is not fetched twice. */
  manifest?: PackManifest;
}

export interface InstallOutcome {
  record: InstallRecord;
  /** Bytes of shards newly stored. */
  downloadedBytes: number;
  /** Bytes that came over the network, retries included: the figure resume tests compare with the ideal. */
  fetchedBytes: number;
  /** Bytes of interrupted shards that were already saved and not fetched again. */
  resumedBytes: number;
}

/** Fetches and validates a manifest; ModelNotFoundError on 404, DownloadError when offline. */
export async function fetchManifest(manifestUrl: string, signal?: AbortSignal): Promise<PackManifest> {
  // The Content-Security-Policy would block the fetch anyway, with only "Failed to fetch" to show for it.
  await assertDownloadAllowed(manifestUrl);
  let response: Response;
  try {
    response = await fetch(manifestUrl, { cache: 'no-cache', ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted) throw abortError();
    throw new ZoetropeError('DownloadError', `Could not reach ${manifestUrl}: ${String(error)}`, { url: manifestUrl });
  }
  if (response.status === 404) {
    throw new ZoetropeError('ModelNotFoundError', `There is no model pack at ${manifestUrl}.`, { url: manifestUrl });
  }
  if (!response.ok) {
    throw new ZoetropeError('DownloadError', `${manifestUrl} answered ${response.status} ${response.statusText}.`, {
      url: manifestUrl,
      status: response.status,
    });
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A dev server answers unknown paths with index.html: treat that as "not there".
    if (/^\s*</.test(text)) throw new ZoetropeError('ModelNotFoundError', `There is no model pack at ${manifestUrl}.`, { url: manifestUrl });
    throw new ZoetropeError('ManifestError', `manifest: expected JSON, got text that does not parse.`, { field: 'manifest' });
  }
  return validateManifest(json);
}

/** The install record for a pack, if every shard of it is still stored. */
export async function findInstalled(manifest: PackManifest): Promise<InstallRecord | undefined> {
  const record = await getInstallRecord(modelKey(manifest));
  if (!record) return undefined;
  for (const shard of uniqueShards(manifest)) if (!(await hasShard(shard.sha256))) return undefined;
  return record;
}

export async function installPack(manifestUrl: string, options: InstallOptions = {}): Promise<InstallOutcome> {
  const { signal, onProgress } = options;
  const emit = onProgress ?? (() => {});
  emit({ kind: 'checking' });
  const manifest = options.manifest ?? (await fetchManifest(manifestUrl, signal));
  const existing = await findInstalled(manifest);
  if (existing) {
    emit({ kind: 'installed', bytesTotal: manifest.totalBytes, downloadedBytes: 0 });
    return { record: existing, downloadedBytes: 0, fetchedBytes: 0, resumedBytes: 0 };
  }

  const shards = uniqueShards(manifest);
  const bytesTotal = shards.reduce((n, s) => n + s.size, 0);
  const missing: ShardEntry[] = [];
  let bytesDone = 0;
  let shardsDone = 0;
  for (const s of shards) {
    if (await hasShard(s.sha256)) {
      bytesDone += s.size; // Shared with another pack (an older version too), or left by an interrupted install.
      shardsDone++;
    } else missing.push(s);
  }
  // A manifest given by the caller (a repair, a preview) skipped fetchManifest's check; the shards need it too.
  if (missing.length > 0 && options.manifest) await assertDownloadAllowed(manifestUrl);
  await requestPersistence();
  await ensureRoomFor(bytesTotal - bytesDone);

  // Progress never goes backwards: a retried shard does not subtract bytes.
  let reported = bytesDone;
  const report = (inFlight: number) => {
    reported = Math.max(reported, bytesDone + inFlight);
    emit({ kind: 'downloading', bytesDone: reported, bytesTotal, shardsDone, shardsTotal: shards.length });
  };
  report(0);

  let downloadedBytes = 0;
  let fetchedBytes = 0;
  let resumedBytes = 0;
  for (const shard of missing) {
    if (signal?.aborted) throw abortError('The download was paused or cancelled.');
    const got = await downloadShard(shardUrl(manifestUrl, shard.sha256), shard, report, signal);
    fetchedBytes += got.fetched;
    resumedBytes += got.resumedFrom;
    try {
      await putShard(shard.sha256, got.bytes);
    } catch (error) {
      const e = toZoetropeError(error);
      if (e.name === 'StorageQuotaError') throw await quotaErrorAfterWrite(bytesTotal - bytesDone);
      throw e;
    }
    await clearPieces(shard.sha256);
    downloadedBytes += got.bytes.byteLength;
    bytesDone += shard.size;
    shardsDone++;
    report(0);
  }
  // The record is written last: until then the pack does not count as installed,
  // and an older version of it stays the one in use.
  const record = await putInstallRecord(manifest, manifestUrl);
  emit({ kind: 'installed', bytesTotal, downloadedBytes });
  console.info(`[zoetrope:timing] ${JSON.stringify({ event: 'download', key: record.key, fetchedBytes, resumedBytes, downloadedBytes })}`);
  return { record, downloadedBytes, fetchedBytes, resumedBytes };
}

export interface InstallPreview {
  manifest: PackManifest;
  /** Bytes still to download: shards already stored (shared, or from an interrupted try) are not counted. */
  missingBytes: number;
  /** Free space for this site, when the browser says. */
  freeBytes: number | null;
  fits: boolean;
  installed: boolean;
}

/** What installing a pack would cost, before a single shard is downloaded. */
export async function previewInstall(manifestUrl: string, signal?: AbortSignal): Promise<InstallPreview> {
  const manifest = await fetchManifest(manifestUrl, signal);
  const installed = (await findInstalled(manifest)) !== undefined;
  let missingBytes = 0;
  for (const s of uniqueShards(manifest)) if (!(await hasShard(s.sha256))) missingBytes += s.size;
  const estimate = await estimateStorage();
  const freeBytes = estimate?.quota !== undefined ? Math.max(0, estimate.quota - (estimate.usage ?? 0)) : null;
  let fits = true;
  try {
    checkRoom(missingBytes, estimate);
  } catch {
    fits = false;
  }
  return { manifest, missingBytes, freeBytes, fits, installed };
}

/** After a cancel: forget the partial bytes and the shards only this unfinished pack used. */
export async function discardDownload(manifest: PackManifest): Promise<void> {
  if (await findInstalled(manifest)) return;
  const hashes = uniqueShards(manifest).map((s) => s.sha256);
  for (const sha of hashes) await clearPieces(sha);
  await deleteUnused(hashes);
}

/**
 * Hashes every stored shard of a pack and deletes those whose bytes no longer
 * match (disk damage, a bad write): the next install fetches just those.
 */
export async function dropDamagedShards(manifest: PackManifest): Promise<string[]> {
  const damaged: string[] = [];
  for (const s of uniqueShards(manifest)) {
    const bytes = await getShard(s.sha256);
    if (bytes && (bytes.byteLength !== s.size || (await sha256Hex(bytes)) !== s.sha256)) {
      await deleteShard(s.sha256);
      damaged.push(s.sha256);
    }
  }
  return damaged;
}

/** An installed, complete, other version of the same pack id (the one an update replaces). */
export async function findOtherVersion(manifest: PackManifest): Promise<InstallRecord | undefined> {
  for (const record of await listInstallRecords()) {
    if (record.manifest.id === manifest.id && record.key !== modelKey(manifest) && (await findInstalled(record.manifest))) return record;
  }
  return undefined;
}

/**
 * The browser refused a write although the estimate said there was room (its
 * estimate can lag, and DevTools quota overrides do not show in it): report
 * what is still needed and the free space the browser claims.
 */
async function quotaErrorAfterWrite(stillNeeded: number): Promise<ZoetropeError> {
  const estimate = await estimateStorage();
  try {
    checkRoom(stillNeeded, estimate);
  } catch (error) {
    return toZoetropeError(error);
  }
  const free = estimate?.quota !== undefined ? Math.max(0, estimate.quota - (estimate.usage ?? 0)) : null;
  const needed = Math.ceil(stillNeeded * 1.1);
  // Here the estimate claims room (else checkRoom threw above): saying "needs 1.8 GB, allows only 10 GB" would
  // contradict itself, so say what happened, with both sizes.
  const message =
    free === null
      ? quotaError(needed, free).message
      : `The model needs ${formatBytes(needed)} more storage, and the browser refused to store it, although it reports ${formatBytes(free)} free for this site.`;
  return new ZoetropeError('StorageQuotaError', message, { needed, free, refused: true });
}
