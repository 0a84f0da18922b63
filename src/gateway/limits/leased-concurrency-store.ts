import { newId } from '../../core/index.js';
import type { ConcurrencyStore } from './concurrency.js';

export interface LeasedConcurrencyStoreOptions {
  /** slots taken from the shared store at once, as a share of the limit (default 1/16, at most maxBlock) */
  fraction?: number;
  /** most slots taken at once (default 16) */
  maxBlock?: number;
  /** a slot given back locally returns to the shared store after this long unused (default 100 ms) */
  maxIdleMs?: number;
  /**
   * a shared slot is handed to new requests for this long after it was taken (default 10 s), then given
   * back and taken afresh: its shared lease (leaseMs, the longest request plus a margin) must outlive every
   * request that reuses it, so this must stay below that margin (the limiter's is 30 s)
   */
  reuseMs?: number;
  /** the time idle slots are judged by (default Date.now; the limiter passes its clock) */
  now?: () => number;
}

interface SharedSlot {
  /** the lease id in the shared store */
  id: string;
  /** when the shared store granted it */
  takenAt: number;
  /** when it was last given back locally (free slots only) */
  freedAt: number;
}

interface Pool {
  free: SharedSlot[];
  /** local lease id → the shared slot it holds */
  used: Map<string, SharedSlot>;
  limit: number;
}

/**
 * A shared ConcurrencyStore (Redis) behind local blocks of slots. The admission queue asks for one slot at a
 * time and waits for each answer, so with a shared store every admission cost a round trip, one after the
 * other: measured, a concurrency cap on Redis cut gateway throughput from 4,776 to 2,009 requests/s. Here a
 * replica takes several slots in one pipelined call, hands them to its requests locally and keeps a released
 * slot for the next one (up to two blocks); slots unused for `maxIdleMs` go back. Every slot a replica hands out is a lease in
 * the shared store, so replicas together never exceed the limit; the price is that up to two blocks per
 * replica (1/8 of the limit) may sit idle for `maxIdleMs`. Limits under 32 get blocks of one and go to the
 * shared store on every call, exactly as without this wrapper.
 */
export class LeasedConcurrencyStore implements ConcurrencyStore {
  readonly #inner: ConcurrencyStore;
  readonly #fraction: number;
  readonly #maxBlock: number;
  readonly #maxIdleMs: number;
  readonly #reuseMs: number;
  readonly #now: () => number;
  readonly #pools = new Map<string, Pool>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(inner: ConcurrencyStore, opts: LeasedConcurrencyStoreOptions = {}) {
    this.#inner = inner;
    this.#fraction = opts.fraction ?? 1 / 16;
    this.#maxBlock = opts.maxBlock ?? 16;
    this.#maxIdleMs = opts.maxIdleMs ?? 100;
    this.#reuseMs = opts.reuseMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** slots taken at once for a limit; 1 = no local blocks */
  blockSize(limit: number): number {
    return Math.max(1, Math.min(this.#maxBlock, Math.floor(limit * this.#fraction)));
  }

  /** A slot at once when this replica holds a free one (or the lease is held already); undefined = ask tryAcquire. */
  tryAcquireNow(key: string, limit: number, leaseId: string, now: number): boolean | undefined {
    if (this.blockSize(limit) === 1) return undefined;
    const pool = this.#pool(key, limit);
    return this.#fromPool(key, pool, leaseId, now) ? true : undefined;
  }

  async tryAcquire(key: string, limit: number, leaseId: string, now: number, leaseMs: number): Promise<boolean> {
    const block = this.blockSize(limit);
    if (block === 1) return this.#inner.tryAcquire(key, limit, leaseId, now, leaseMs);
    const pool = this.#pool(key, limit);
    if (this.#fromPool(key, pool, leaseId, now)) return true;
    // one pipelined call for the whole block: the answers come back together
    const ids = Array.from({ length: block }, () => newId('slot', now));
    const answers = await Promise.allSettled(ids.map((id) => this.#inner.tryAcquire(key, limit, id, now, leaseMs)));
    const slots = ids.filter((_, i) => answers[i]!.status === 'fulfilled' && answers[i]!.value).map((id) => ({ id, takenAt: now, freedAt: now }));
    const mine = slots.pop();
    if (!mine) {
      // a failing shared store is an error the queue reports as such, not "no slot free"
      const failed = answers.find((a) => a.status === 'rejected');
      if (failed) throw failed.reason;
      return false;
    }
    pool.used.set(leaseId, mine);
    for (const s of slots) this.#keepFree(key, pool, s);
    return true;
  }

  #pool(key: string, limit: number): Pool {
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = { free: [], used: new Map(), limit };
      this.#pools.set(key, pool);
    }
    pool.limit = limit;
    return pool;
  }

  /** the lease held already, or a free slot of this replica young enough to reuse (older ones go back) */
  #fromPool(key: string, pool: Pool, leaseId: string, now: number): boolean {
    if (pool.used.has(leaseId)) return true;
    for (let slot = pool.free.pop(); slot !== undefined; slot = pool.free.pop()) {
      if (now - slot.takenAt < this.#reuseMs) {
        pool.used.set(leaseId, slot);
        return true;
      }
      this.#giveBack(key, slot);
    }
    return false;
  }

  async release(key: string, leaseId: string): Promise<void> {
    const pool = this.#pools.get(key);
    const slot = pool?.used.get(leaseId);
    if (!pool || !slot) {
      await this.#inner.release(key, leaseId);
      return;
    }
    pool.used.delete(leaseId);
    slot.freedAt = this.#now();
    this.#keepFree(key, pool, slot);
  }

  /** Live leases in the shared store (slots held free here count: no other replica can use them). */
  count(key: string, now: number): Promise<number> {
    return this.#inner.count(key, now);
  }

  /** Gives every free slot back to the shared store (shutdown). Slots in use return when released. */
  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    const all: Promise<void>[] = [];
    for (const [key, pool] of this.#pools) {
      for (const slot of pool.free.splice(0)) all.push(this.#inner.release(key, slot.id).catch(() => undefined));
    }
    await Promise.all(all);
  }

  /** Slots held free locally for a key (tests, metrics). */
  freeSlots(key: string): number {
    return this.#pools.get(key)?.free.length ?? 0;
  }

  #keepFree(key: string, pool: Pool, slot: SharedSlot): void {
    // never more than two blocks idle here: the rest go back at once
    if (pool.free.length >= 2 * this.blockSize(pool.limit)) {
      this.#giveBack(key, slot);
      return;
    }
    pool.free.push(slot);
    this.#sweeper ??= setInterval(() => this.#sweep(), this.#maxIdleMs).unref();
  }

  #giveBack(key: string, slot: SharedSlot): void {
    void this.#inner.release(key, slot.id).catch(() => undefined);
  }

  /** Returns slots idle for maxIdleMs; stops itself when nothing is held free. */
  #sweep(): void {
    const now = this.#now();
    let held = 0;
    for (const [key, pool] of this.#pools) {
      const keep: SharedSlot[] = [];
      for (const slot of pool.free) {
        if (now - slot.freedAt >= this.#maxIdleMs || now - slot.takenAt >= this.#reuseMs) this.#giveBack(key, slot);
        else keep.push(slot);
      }
      pool.free = keep;
      held += keep.length;
      if (keep.length === 0 && pool.used.size === 0) this.#pools.delete(key);
    }
    if (held === 0 && this.#sweeper) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}
