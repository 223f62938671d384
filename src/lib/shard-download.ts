// Owns fetching one shard so that an interruption costs as little as
// possible: the bytes received are saved as they arrive (partial-db), and the
// next attempt (after a pause, a lost connection or a reload) asks only for
// the rest with an HTTP Range request. A server that ignores Range answers
// 200 with the whole shard, and we start that shard again. The shard is
// returned only once its SHA-256 matches; a mismatch is fetched once more.
// A failed request (a dropped connection, 5xx, 429) is tried again after a
// bounded back-off (retry-policy.ts), resuming from the bytes already saved.

import { abortError, toZoetropeError, ZoetropeError } from '../shared/errors';
import type { ShardEntry } from '../shared/manifest';
import { clearPieces, concatBytes, putPiece, readPrefix } from './partial-db';
import { decideRetry, SHARD_RETRY, type RetryPolicy } from './retry-policy';
import { sha256Hex } from '../common/sha256';

/** Received bytes are saved in pieces of this size, so a crash loses at most this much. */
const SAVE_EVERY = 1024 * 1024;
const ATTEMPTS = 2;

export interface ShardDownload {
  bytes: Uint8Array;
  /** Bytes that came over the network for this shard, over every attempt. */
  fetched: number;
  /** Bytes of the shard that were already saved before this call. */
  resumedFrom: number;
}

export async function downloadShard(
  url: string,
  shard: ShardEntry,
  onBytes: (bytesOfShard: number) => void,
  signal?: AbortSignal,
  policy: RetryPolicy = SHARD_RETRY,
): Promise<ShardDownload> {
  let fetched = 0;
  let resumedFrom = -1;
  let lastError: ZoetropeError | null = null;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const prefix = await readPrefix(shard.sha256);
    if (resumedFrom < 0) resumedFrom = prefix.byteLength;
    const { bytes, received } = prefix.byteLength >= shard.size ? { bytes: prefix, received: 0 } : await fetchWithRetries(url, shard, prefix, onBytes, signal, policy);
    fetched += received;
    const digest = await sha256Hex(bytes);
    if (bytes.byteLength === shard.size && digest === shard.sha256) return { bytes, fetched, resumedFrom };
    await clearPieces(shard.sha256); // Whatever we kept is wrong: the next attempt starts at byte 0.
    lastError = new ZoetropeError('IntegrityError', `A downloaded piece of the model is corrupt (SHA-256 ${digest.slice(0, 12)}…, expected ${shard.sha256.slice(0, 12)}…).`, {
      url,
      expected: shard.sha256,
      actual: digest,
      size: bytes.byteLength,
    });
  }
  throw lastError as ZoetropeError;
}

/**
 * fetchRest, tried again while the failure is one a later try can fix. Each
 * try resumes from the bytes the failed one saved, so a connection dropped
 * mid-shard costs only what was in flight.
 */
async function fetchWithRetries(
  url: string,
  shard: ShardEntry,
  firstPrefix: Uint8Array,
  onBytes: (n: number) => void,
  signal: AbortSignal | undefined,
  policy: RetryPolicy,
): Promise<{ bytes: Uint8Array; received: number }> {
  let prefix = firstPrefix;
  for (let failed = 1; ; failed++) {
    try {
      return await fetchRest(url, shard, prefix, onBytes, signal);
    } catch (error) {
      const e = toZoetropeError(error);
      if (e.name !== 'DownloadError' || signal?.aborted) throw e;
      const status = typeof e.details['status'] === 'number' ? e.details['status'] : null;
      const retryAfter = typeof e.details['retryAfter'] === 'string' ? e.details['retryAfter'] : null;
      const decision = decideRetry({ status, retryAfter }, failed, policy);
      if (!decision.retry) {
        if (decision.reason === 'not-retryable') throw e;
        const why =
          decision.reason === 'retry-after-too-long'
            ? ` The server asks to wait ${Math.ceil((decision.retryAfterMs ?? 0) / 1000)} s before trying again.`
            : ` Tried ${failed} times.`;
        throw new ZoetropeError('DownloadError', `${e.message}${why}`, { ...e.details, tries: failed });
      }
      console.info(`[zoetrope] ${e.message} Trying again in ${decision.delayMs} ms (try ${failed + 1} of ${policy.tries}).`);
      await sleep(decision.delayMs, signal);
      prefix = await readPrefix(shard.sha256);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      reject(abortError('The download was paused or cancelled.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', done);
      resolve();
    }, ms);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
}

async function fetchRest(
  url: string,
  shard: ShardEntry,
  prefix: Uint8Array,
  onBytes: (n: number) => void,
  signal: AbortSignal | undefined,
): Promise<{ bytes: Uint8Array; received: number }> {
  const stopped = (error: unknown) =>
    signal?.aborted ? abortError('The download was paused or cancelled.') : new ZoetropeError('DownloadError', `The download stopped: ${String(error)}`, { url });
  let response: Response;
  try {
    // no-store: the bytes go to IndexedDB; a second copy in the HTTP cache would only waste disk.
    response = await fetch(url, {
      cache: 'no-store',
      ...(prefix.byteLength > 0 ? { headers: { Range: `bytes=${prefix.byteLength}-` } } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    throw stopped(error);
  }
  if (!response.ok || !response.body) {
    const what = response.status === 404 ? 'The server does not have this piece of the model' : `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    await response.body?.cancel().catch(() => {});
    throw new ZoetropeError('DownloadError', `${what} (${url}).`, { url, status: response.status, retryAfter: response.headers.get('Retry-After') });
  }
  let start = 0;
  if (response.status === 206) {
    // A 206 whose start we cannot confirm (another range, or a cross-origin
    // server that does not expose Content-Range) must not be taken for the
    // whole shard: drop it and ask again for everything.
    if (rangeStart(response.headers.get('Content-Range')) !== prefix.byteLength) {
      await response.body.cancel().catch(() => {});
      await clearPieces(shard.sha256);
      return fetchRest(url, shard, new Uint8Array(0), onBytes, signal);
    }
    start = prefix.byteLength;
  } else if (prefix.byteLength > 0) await clearPieces(shard.sha256); // No Range support: the whole shard comes again.

  const head = start > 0 ? [prefix] : [];
  const chunks: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let saved = start;
  let received = 0;
  const save = async () => {
    if (pendingBytes === 0) return;
    const piece = concatBytes(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await putPiece(shard.sha256, saved, piece);
    saved += piece.byteLength;
  };
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      pending.push(value);
      pendingBytes += value.byteLength;
      received += value.byteLength;
      onBytes(Math.min(start + received, shard.size));
      if (pendingBytes >= SAVE_EVERY && start + received < shard.size) await save();
    }
  } catch (error) {
    // Keep what arrived: the next attempt asks only for the rest.
    await save().catch(() => {});
    throw stopped(error);
  }
  const all = [...head, ...chunks];
  return { bytes: concatBytes(all, all.reduce((n, c) => n + c.byteLength, 0)), received };
}

/** The first byte of a `Content-Range: bytes a-b/n` header, or -1. */
export function rangeStart(header: string | null): number {
  const match = header ? /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header.trim()) : null;
  return match ? Number(match[1]) : -1;
}
