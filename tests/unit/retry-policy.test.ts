// The shard download's retry schedule (src/lib/retry-policy.ts): which
// failures are retried, the bounded doubling back-off, and Retry-After.
import { describe, expect, it } from 'vitest';
import { decideRetry, parseRetryAfter, SHARD_RETRY } from '../../src/lib/retry-policy';

const policy = { tries: 4, baseDelayMs: 500, maxDelayMs: 10_000 };
const lost = { status: null, retryAfter: null };

describe('decideRetry', () => {
  it('retries a lost connection with a doubling back-off, and stops after the last try', () => {
    expect([1, 2, 3].map((n) => decideRetry(lost, n, policy))).toEqual([
      { retry: true, delayMs: 500 },
      { retry: true, delayMs: 1000 },
      { retry: true, delayMs: 2000 },
    ]);
    expect(decideRetry(lost, 4, policy)).toEqual({ retry: false, reason: 'out-of-tries' });
  });
  it('caps the back-off', () => {
    expect(decideRetry(lost, 9, { tries: 20, baseDelayMs: 500, maxDelayMs: 3000 })).toEqual({ retry: true, delayMs: 3000 });
  });
  it('retries 5xx, 408 and 429, never 404 or other 4xx', () => {
    for (const status of [500, 502, 503, 504, 408, 429]) expect(decideRetry({ status, retryAfter: null }, 1, policy).retry).toBe(true);
    for (const status of [400, 401, 403, 404, 410, 416]) expect(decideRetry({ status, retryAfter: null }, 1, policy)).toEqual({ retry: false, reason: 'not-retryable' });
  });
  it('honours Retry-After on 429 within the cap, and never waits less than the back-off', () => {
    expect(decideRetry({ status: 429, retryAfter: '3' }, 1, policy)).toEqual({ retry: true, delayMs: 3000 });
    expect(decideRetry({ status: 429, retryAfter: '0' }, 3, policy)).toEqual({ retry: true, delayMs: 2000 });
  });
  it('gives up at once when Retry-After asks for longer than the cap', () => {
    expect(decideRetry({ status: 429, retryAfter: '3600' }, 1, policy)).toEqual({ retry: false, reason: 'retry-after-too-long', retryAfterMs: 3_600_000 });
  });
  it('reads Retry-After as an HTTP date too, and ignores garbage', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(decideRetry({ status: 503, retryAfter: 'soon' }, 1, policy, now)).toEqual({ retry: true, delayMs: 500 });
  });
  it('the shipped policy waits at most a few seconds in all before it reports the failure', () => {
    let total = 0;
    for (let n = 1; ; n++) {
      const d = decideRetry(lost, n);
      if (!d.retry) break;
      total += d.delayMs;
    }
    expect(total).toBeLessThanOrEqual(SHARD_RETRY.maxDelayMs);
  });
});
