// Owns installing model packs: fetch and validate the manifest, check the
// quota, download each missing shard, verify its SHA-256 and only then store
// it, and record the pack as installed once every shard is verified. Runs on
// the main thread (fetch + Web Crypto + IndexedDB; no heavy compute).

import { abortError, toZoetropeError, ZoetropeError } from '../shared/errors';
import { modelKey, shardUrl, validateManifest, type PackManifest, type ShardEntry } from '../shared/manifest';
import type { InstallProgress } from '../shared/progress';
import { getInstallRecord, hasShard, putInstallRecord, putShard, type InstallRecord } from './pack-db';
import { sha256Hex } from './sha256';
import { checkRoom, ensureRoomFor, estimateStorage, quotaError, requestPersistence } from './storage-quota';

export interface InstallOptions {
  signal?: AbortSignal;
  onProgress?: (event: InstallProgress) => void;
}

export interface InstallOutcome {
  record: InstallRecord;
  downloadedBytes: number;
}

/** Fetches and validates a manifest; ModelNotFoundError on 404, DownloadError when offline. */
export async function fetchManifest(manifestUrl: string, signal?: AbortSignal): Promise<PackManifest> {
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

export function uniqueShards(manifest: PackManifest): ShardEntry[] {
  const seen = new Map<string, ShardEntry>();
  for (const f of manifest.files) for (const s of f.shards) if (!seen.has(s.sha256)) seen.set(s.sha256, s);
  return [...seen.values()];
}

export async function installPack(manifestUrl: string, options: InstallOptions = {}): Promise<InstallOutcome> {
  const { signal, onProgress } = options;
  const emit = onProgress ?? (() => {});
  emit({ kind: 'checking' });
  const manifest = await fetchManifest(manifestUrl, signal);
  const existing = await findInstalled(manifest);
  if (existing) {
    emit({ kind: 'installed', bytesTotal: manifest.totalBytes, downloadedBytes: 0 });
    return { record: existing, downloadedBytes: 0 };
  }

  const shards = uniqueShards(manifest);
  const bytesTotal = shards.reduce((n, s) => n + s.size, 0);
  const missing: ShardEntry[] = [];
  let bytesDone = 0;
  let shardsDone = 0;
  for (const s of shards) {
    if (await hasShard(s.sha256)) {
      bytesDone += s.size; // Shared with another pack, or left by an interrupted install.
      shardsDone++;
    } else missing.push(s);
  }
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
  for (const shard of missing) {
    if (signal?.aborted) throw abortError('The download was cancelled.');
    const bytes = await downloadVerified(shardUrl(manifestUrl, shard.sha256), shard, report, signal);
    try {
      await putShard(shard.sha256, bytes);
    } catch (error) {
      const e = toZoetropeError(error);
      if (e.name === 'StorageQuotaError') throw await quotaErrorAfterWrite(bytesTotal - bytesDone);
      throw e;
    }
    downloadedBytes += bytes.byteLength;
    bytesDone += shard.size;
    shardsDone++;
    report(0);
  }
  const record = await putInstallRecord(manifest, manifestUrl);
  emit({ kind: 'installed', bytesTotal, downloadedBytes });
  return { record, downloadedBytes };
}

const ATTEMPTS = 2;

async function downloadVerified(
  url: string,
  shard: ShardEntry,
  report: (inFlight: number) => void,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  let lastError: ZoetropeError | null = null;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const bytes = await fetchBytes(url, shard.size, report, signal);
    const digest = await sha256Hex(bytes);
    if (bytes.byteLength === shard.size && digest === shard.sha256) return bytes;
    lastError = new ZoetropeError('IntegrityError', `A downloaded piece of the model is corrupt (SHA-256 ${digest.slice(0, 12)}…, expected ${shard.sha256.slice(0, 12)}…).`, {
      url,
      expected: shard.sha256,
      actual: digest,
      size: bytes.byteLength,
    });
  }
  throw lastError as ZoetropeError;
}

async function fetchBytes(url: string, expected: number, report: (n: number) => void, signal: AbortSignal | undefined): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw abortError('The download was cancelled.');
    throw new ZoetropeError('DownloadError', `The download stopped: ${String(error)}`, { url });
  }
  if (!response.ok || !response.body) {
    throw new ZoetropeError('DownloadError', `${url} answered ${response.status} ${response.statusText}.`, { url, status: response.status });
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      report(Math.min(received, expected));
    }
  } catch (error) {
    if (signal?.aborted) throw abortError('The download was cancelled.');
    throw new ZoetropeError('DownloadError', `The download stopped: ${String(error)}`, { url });
  }
  const out = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
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
  const error = quotaError(Math.ceil(stillNeeded * 1.1), free);
  return new ZoetropeError('StorageQuotaError', `${error.message} The browser refused to store more of it.`, { ...error.details, refused: true });
}
