import { StrataError } from '../../core/index.js';

/** One token bucket a request draws from. */
export interface BucketSpec {
  key: string;
  capacity: number;
  refillPerSec: number;
  cost: number;
  /** human name used in errors, e.g. "tenant 'acme' requests/minute (60)" */
  label: string;
}

/** The answer of RateStore.take. */
export interface TakeResult {
  ok: boolean;
  /** when !ok: the first bucket short of tokens (an impossible bucket takes precedence) */
  failed?: BucketSpec;
  /** when !ok: ms until every bucket could serve the request; 0 when impossible (waiting never helps) */
  retryAfterMs: number;
  /** a bucket whose capacity is below the cost: waiting never helps */
  impossible?: boolean;
}

/** An after-the-fact adjustment of one bucket. */
export interface BucketCharge {
  key: string;
  capacity: number;
  refillPerSec: number;
  /** > 0 consumes (may go into debt), < 0 refunds (capped at capacity) */
  delta: number;
}

/** Token buckets shared by every request of a process (memory) or of all replicas (Redis). */
export interface RateStore {
  /** all-or-nothing across the buckets, atomic (one Lua script on Redis): takes cost from every bucket only if all have it */
  take(buckets: BucketSpec[], now: number): Promise<TakeResult>;
  /**
   * take() without waiting, when this store can answer at once (in-process buckets, a local allowance that
   * covers the request); undefined when it must be asked, and then nothing was taken. Lets the request path
   * skip promises on the common case.
   */
  takeNow?(buckets: BucketSpec[], now: number): TakeResult | undefined;
  /** after-the-fact adjustment, never rejects for lack of tokens: delta > 0 consumes (a bucket may go negative = debt repaid by refill), delta < 0 refunds (capped at capacity). */
  charge(charges: BucketCharge[], now: number): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Tokens within this of the cost count as enough, so that a caller who waited the advertised
 * retryAfterMs is never turned away by floating-point rounding of the refill.
 * The Redis script uses the same constant (see redis-rate-store.ts).
 */
export const TOKEN_EPSILON = 1e-9;

/** Bucket state: tokens at time `at` (ms). */
export interface BucketState {
  tokens: number;
  at: number;
}

/**
 * Tokens a bucket holds at `now`. A clock that went backwards (replicas a few ms apart, an NTP
 * step) refills nothing rather than draining the bucket, and keeps the later timestamp so the
 * same interval is never refilled twice.
 */
export function refill(state: BucketState | undefined, capacity: number, refillPerSec: number, now: number): BucketState {
  if (state === undefined) return { tokens: capacity, at: now };
  if (now <= state.at) return { tokens: Math.min(capacity, state.tokens), at: state.at };
  return { tokens: Math.min(capacity, state.tokens + ((now - state.at) * refillPerSec) / 1000), at: now };
}

/** Whole ms until `tokens` grow to `cost` at refillPerSec (0 when already there). */
export function msUntil(tokens: number, cost: number, refillPerSec: number): number {
  if (tokens + TOKEN_EPSILON >= cost) return 0;
  return Math.ceil(((cost - tokens) * 1000) / refillPerSec);
}

/** Ms until an idle bucket is full again: after that its stored state says nothing an absent one would not. */
export function msUntilFull(tokens: number, capacity: number, refillPerSec: number): number {
  return Math.max(0, Math.ceil(((capacity - tokens) * 1000) / refillPerSec));
}

function checkNumbers(label: string, capacity: number, refillPerSec: number): void {
  if (!(Number.isFinite(capacity) && capacity > 0)) {
    throw new StrataError('config_invalid', `Limit ${label}: capacity must be a positive number, got ${capacity}.`);
  }
  if (!(Number.isFinite(refillPerSec) && refillPerSec > 0)) {
    throw new StrataError('config_invalid', `Limit ${label}: refill rate must be a positive number per second, got ${refillPerSec}.`);
  }
}

/**
 * Rejects specs that would corrupt bucket state (NaN, zero refill) or make all-or-nothing
 * ambiguous (the same key twice in one take would be checked twice against the same tokens).
 */
export function validateBuckets(buckets: readonly BucketSpec[]): void {
  const seen = new Set<string>();
  for (const b of buckets) {
    if (b.key === '') throw new StrataError('internal', `Limit ${b.label}: bucket key is empty.`);
    checkNumbers(b.label, b.capacity, b.refillPerSec);
    if (!(Number.isFinite(b.cost) && b.cost >= 0)) {
      throw new StrataError('internal', `Limit ${b.label}: cost must be a non-negative number, got ${b.cost}.`);
    }
    if (seen.has(b.key)) {
      throw new StrataError('internal', `Limit ${b.label}: bucket key '${b.key}' appears twice in one take; merge the costs into one bucket.`);
    }
    seen.add(b.key);
  }
}

/** Rejects charges that would corrupt bucket state. */
export function validateCharges(charges: readonly BucketCharge[]): void {
  for (const c of charges) {
    if (c.key === '') throw new StrataError('internal', 'Bucket charge: key is empty.');
    checkNumbers(`bucket '${c.key}'`, c.capacity, c.refillPerSec);
    if (!Number.isFinite(c.delta)) {
      throw new StrataError('internal', `Bucket charge '${c.key}': delta must be a finite number, got ${c.delta}.`);
    }
  }
}
