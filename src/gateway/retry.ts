/** Retry policy of a route: attempts per model and the backoff envelope. */
export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
}

/**
 * Exponential backoff with full jitter: a uniform draw in [0, min(cap, base·2^(n-1))].
 * Full jitter spreads synchronized clients best (fewest collisions for a given total wait).
 * `retryNumber` is 1 for the first retry.
 */
export function backoffDelayMs(retryNumber: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * exp);
}

/**
 * The wait before the next attempt: the jittered backoff, but never less than what the upstream asked
 * for with Retry-After (a server that says "wait 2 s" means it).
 */
export function nextDelayMs(
  retryNumber: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const jittered = backoffDelayMs(retryNumber, policy, random);
  return retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
}

export { parseRetryAfter } from '../core/index.js';
