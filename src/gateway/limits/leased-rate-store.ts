import { validateCharges, type BucketCharge, type BucketSpec, type RateStore, type TakeResult } from './bucket.js';

export interface LeasedRateStoreOptions {
  /** share of a bucket's capacity fetched at once beyond what the request needs (default 0.02) */
  fraction?: number;
  /** tokens held this long without use go back to the shared bucket (default 1000 ms) */
  maxIdleMs?: number;
}

interface Allowance {
  tokens: number;
  capacity: number;
  refillPerSec: number;
  lastUsed: number;
}

/** the answer for a request one of whose buckets can never hold its cost, if there is one */
function impossibleOf(buckets: BucketSpec[]): TakeResult | undefined {
  for (const b of buckets) {
    if (b.cost > b.capacity) return { ok: false, failed: b, retryAfterMs: 0, impossible: true };
  }
  return undefined;
}

/**
 * A shared RateStore (Redis) behind a local allowance per bucket: when a request needs tokens the
 * replica does not hold, it takes what it needs plus a small share of the bucket's capacity from the
 * shared bucket in one atomic call, and serves the next requests from that share without a round trip.
 * Every token a replica hands out was first taken from the shared bucket, so replicas together never
 * exceed the limit; the price is that tokens parked in one replica's allowance are not available to the
 * others until used or returned (at most `fraction` of each bucket per replica, returned after
 * `maxIdleMs` idle). A share below one whole token is not fetched: small limits stay exact, one shared
 * take per request.
 */
export class LeasedRateStore implements RateStore {
  readonly #inner: RateStore;
  readonly #fraction: number;
  readonly #maxIdleMs: number;
  readonly #allowances = new Map<string, Allowance>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(inner: RateStore, opts: LeasedRateStoreOptions = {}) {
    this.#inner = inner;
    this.#fraction = opts.fraction ?? 0.02;
    this.#maxIdleMs = opts.maxIdleMs ?? 1000;
  }

  /** take() at once when the request is impossible or the local allowances cover it; undefined otherwise. */
  takeNow(buckets: BucketSpec[], now: number): TakeResult | undefined {
    const impossible = impossibleOf(buckets);
    if (impossible) return impossible;
    return this.#tryLocal(buckets, now) ? { ok: true, retryAfterMs: 0 } : undefined;
  }

  async take(buckets: BucketSpec[], now: number): Promise<TakeResult> {
    const impossible = impossibleOf(buckets);
    if (impossible) return impossible;
    // other requests of this process may spend the allowance while a fetch is in flight: fetch again then
    for (let round = 0; round < 3; round++) {
      if (this.#tryLocal(buckets, now)) return { ok: true, retryAfterMs: 0 };
      const r = await this.#fetch(buckets, now);
      if (!r.ok) return r;
    }
    return this.#tryLocal(buckets, now) ? { ok: true, retryAfterMs: 0 } : { ok: false, failed: buckets[0], retryAfterMs: 1 };
  }

  /** Takes what the request lacks (plus a share, when the shared bucket has it) into the allowances. */
  async #fetch(buckets: BucketSpec[], now: number): Promise<TakeResult> {
    const held = (b: BucketSpec): number => this.#allowances.get(b.key)?.tokens ?? 0;
    const short = buckets.filter((b) => held(b) < b.cost);
    const need = (b: BucketSpec): number => b.cost - held(b);
    const share = (b: BucketSpec): number => Math.floor(b.capacity * this.#fraction);
    let got = short.map((b) => ({ ...b, cost: Math.min(b.capacity, need(b) + share(b)) }));
    let r = await this.#inner.take(got, now);
    if (!r.ok && short.some((b) => share(b) > 0)) {
      // the shared bucket may still hold what this request needs without the extra share; other fetches
      // of this process may have filled the allowance meanwhile, so what is short is worked out again
      const stillShort = buckets.filter((b) => held(b) < b.cost);
      if (stillShort.length === 0) return { ok: true, retryAfterMs: 0 };
      got = stillShort.map((b) => ({ ...b, cost: need(b) }));
      r = await this.#inner.take(got, now);
    }
    if (!r.ok) return { ...r, failed: buckets.find((b) => b.key === r.failed?.key) ?? r.failed };
    for (const g of got) this.#credit(g, g.cost, now);
    return r;
  }

  /**
   * Settles charges against the allowances first: tokens an allowance holds were already taken from the
   * shared bucket, so consuming them here is the same as charging the shared bucket, and a refund kept here
   * (up to one share) goes back to it with the allowance. Only what the allowances cannot settle reaches the
   * shared store — with a lease, reconciling a request's tokens costs no round trip.
   */
  async charge(charges: BucketCharge[], now: number): Promise<void> {
    validateCharges(charges);
    let rest: BucketCharge[] | undefined;
    for (const c of charges) {
      const a = this.#allowances.get(c.key);
      const left = a ? this.#settle(a, c.delta) : c.delta;
      if (left !== 0) (rest ??= []).push(left === c.delta ? c : { ...c, delta: left });
    }
    if (rest) await this.#inner.charge(rest, now);
  }

  /** What of `delta` the allowance cannot settle (consumption beyond what it holds, a refund beyond one share). */
  #settle(a: Allowance, delta: number): number {
    if (delta > 0) {
      const used = Math.min(a.tokens, delta);
      a.tokens -= used;
      return delta - used;
    }
    const kept = Math.min(-delta, Math.max(0, Math.floor(a.capacity * this.#fraction) - a.tokens));
    a.tokens += kept;
    return delta + kept;
  }

  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    await this.returnIdle(Number.POSITIVE_INFINITY, 0);
    await this.#inner.close?.();
  }

  /** Tokens this replica holds for a bucket (for tests and metrics). */
  held(key: string): number {
    return this.#allowances.get(key)?.tokens ?? 0;
  }

  #tryLocal(buckets: BucketSpec[], now: number): boolean {
    for (const b of buckets) if ((this.#allowances.get(b.key)?.tokens ?? 0) < b.cost) return false;
    for (const b of buckets) {
      const a = this.#allowances.get(b.key);
      if (!a) continue; // cost 0
      a.tokens -= b.cost;
      a.lastUsed = now;
    }
    return true;
  }

  #credit(b: BucketSpec, tokens: number, now: number): void {
    const a = this.#allowances.get(b.key);
    if (a) {
      a.tokens += tokens;
      a.lastUsed = now;
    } else {
      this.#allowances.set(b.key, { tokens, capacity: b.capacity, refillPerSec: b.refillPerSec, lastUsed: now });
    }
    if (!this.#sweeper) {
      this.#sweeper = setInterval(() => void this.returnIdle(Date.now(), this.#maxIdleMs), this.#maxIdleMs);
      this.#sweeper.unref();
    }
  }

  /** Gives allowances unused for idleMs (at `now`) back to the shared buckets; runs by itself every maxIdleMs. */
  async returnIdle(now: number, idleMs: number = this.#maxIdleMs): Promise<void> {
    const back: BucketCharge[] = [];
    for (const [key, a] of this.#allowances) {
      if (now - a.lastUsed < idleMs) continue;
      this.#allowances.delete(key);
      if (a.tokens > 0) back.push({ key, capacity: a.capacity, refillPerSec: a.refillPerSec, delta: -a.tokens });
    }
    if (back.length > 0) await this.#inner.charge(back, Number.isFinite(now) ? now : Date.now()).catch(() => undefined);
  }
}
