import {
  msUntil,
  msUntilFull,
  refill,
  validateBuckets,
  validateCharges,
  type BucketCharge,
  type BucketSpec,
  type BucketState,
  type RateStore,
  type TakeResult,
} from './bucket.js';

/** Entries are swept for idleness once per this many operations, so the sweep costs O(1) amortised. */
const SWEEP_EVERY = 1024;

interface StoredBucket extends BucketState {
  /** when the bucket will be full again; after that the entry can be dropped */
  fullAt: number;
}

/** Token buckets in this process: the embedded default, and exact as long as one replica serves. */
export class MemoryRateStore implements RateStore {
  readonly #buckets = new Map<string, StoredBucket>();
  #opsSinceSweep = 0;

  /** Takes every bucket's cost, or nothing when any bucket is short. */
  take(buckets: BucketSpec[], now: number): Promise<TakeResult> {
    // the executor turns a validation throw into a rejection, as an async engine would
    return new Promise((resolve) => resolve(this.#take(buckets, now)));
  }

  /** take(), answered at once (this store never waits). */
  takeNow(buckets: BucketSpec[], now: number): TakeResult {
    return this.#take(buckets, now);
  }

  /** Adjusts buckets after the fact: consumption may go into debt, refunds stop at capacity. */
  charge(charges: BucketCharge[], now: number): Promise<void> {
    return new Promise((resolve) => resolve(this.#charge(charges, now)));
  }

  /** Drops every bucket (they start full again). */
  close(): Promise<void> {
    this.#buckets.clear();
    return Promise.resolve();
  }

  /** Number of buckets held in memory (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  #take(buckets: BucketSpec[], now: number): TakeResult {
    validateBuckets(buckets);
    this.#maybeSweep(now);
    const states: BucketState[] = [];
    let failed: BucketSpec | undefined;
    let impossible: BucketSpec | undefined;
    let retryAfterMs = 0;
    for (const b of buckets) {
      const s = refill(this.#buckets.get(b.key), b.capacity, b.refillPerSec, now);
      states.push(s);
      if (b.cost > b.capacity) {
        impossible ??= b;
        continue;
      }
      const wait = msUntil(s.tokens, b.cost, b.refillPerSec);
      if (wait > 0) {
        failed ??= b;
        retryAfterMs = Math.max(retryAfterMs, wait);
      }
    }
    if (impossible) return { ok: false, failed: impossible, retryAfterMs: 0, impossible: true };
    if (failed) return { ok: false, failed, retryAfterMs };
    buckets.forEach((b, i) => {
      const s = states[i]!;
      this.#store(b.key, s.tokens - b.cost, s.at, b.capacity, b.refillPerSec);
    });
    return { ok: true, retryAfterMs: 0 };
  }

  #charge(charges: BucketCharge[], now: number): void {
    validateCharges(charges);
    this.#maybeSweep(now);
    for (const c of charges) {
      const s = refill(this.#buckets.get(c.key), c.capacity, c.refillPerSec, now);
      this.#store(c.key, Math.min(c.capacity, s.tokens - c.delta), s.at, c.capacity, c.refillPerSec);
    }
  }

  #store(key: string, tokens: number, at: number, capacity: number, refillPerSec: number): void {
    this.#buckets.set(key, { tokens, at, fullAt: at + msUntilFull(tokens, capacity, refillPerSec) });
  }

  // A full bucket and an absent one behave the same, so idle buckets are dropped to keep the map
  // bounded by the keys active in the last refill period (per-user keys would otherwise pile up).
  #maybeSweep(now: number): void {
    if (++this.#opsSinceSweep < SWEEP_EVERY) return;
    this.#opsSinceSweep = 0;
    for (const [key, b] of this.#buckets) if (b.fullAt <= now) this.#buckets.delete(key);
  }
}
