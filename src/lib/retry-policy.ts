// Owns the decision "try this shard again, and after how long?" for a failed
// download. Only failures that a later try can fix are retried: a lost
// connection, a 5xx, 408 and 429. A 404 or another 4xx will answer the same
// again, so it fails at once. The wait doubles from try to try (bounded), and
// a 429/503's Retry-After is honoured when it is within the cap; a server that
// asks for a longer wait gets a clear error instead of a page that hangs.
// Pure (no fetch, no timers), so the unit tests pin the schedule.

export interface RetryPolicy {
  /** Tries in all, the first one included. */
  tries: number;
  /** Wait before the second try; doubled for each further one. */
  baseDelayMs: number;
  /** No wait is longer than this, Retry-After included. */
  maxDelayMs: number;
}

export const SHARD_RETRY: RetryPolicy = { tries: 4, baseDelayMs: 500, maxDelayMs: 10_000 };

/** What went wrong on one try: an HTTP status, or null when no response came (connection refused or dropped). */
export interface TryFailure {
  status: number | null;
  /** The Retry-After header, verbatim, when the server sent one. */
  retryAfter: string | null;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: 'not-retryable' | 'out-of-tries' | 'retry-after-too-long'; retryAfterMs?: number };

export function isRetryableStatus(status: number | null): boolean {
  return status === null || status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** `failedTries` counts the tries that have failed so far, this one included (1 after the first). */
export function decideRetry(failure: TryFailure, failedTries: number, policy: RetryPolicy = SHARD_RETRY, now = Date.now()): RetryDecision {
  if (!isRetryableStatus(failure.status)) return { retry: false, reason: 'not-retryable' };
  if (failedTries >= policy.tries) return { retry: false, reason: 'out-of-tries' };
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedTries - 1));
  const asked = failure.status === 429 || failure.status === 503 ? parseRetryAfter(failure.retryAfter, now) : null;
  if (asked === null) return { retry: true, delayMs: backoff };
  if (asked > policy.maxDelayMs) return { retry: false, reason: 'retry-after-too-long', retryAfterMs: asked };
  // Never sooner than the server asked, never sooner than our own back-off.
  return { retry: true, delayMs: Math.max(asked, backoff) };
}
