import { afterEach, describe, expect, it } from 'vitest';
import { LeasedConcurrencyStore, MemoryConcurrencyStore, RedisConcurrencyStore, type ConcurrencyStore } from '../../../src/gateway/limits/index.js';
import { TEST_REDIS_URL, randomRedisPrefix, testRedis } from '../../helpers/redis.js';

const T = 1_700_000_000_000;
const LEASE = 60_000;

/** A shared store that counts the calls that reach it (what a Redis round trip would be). */
class CountingStore implements ConcurrencyStore {
  readonly inner = new MemoryConcurrencyStore();
  acquires = 0;
  releases = 0;
  fail = false;
  tryAcquire(key: string, limit: number, leaseId: string, now: number, leaseMs: number): Promise<boolean> {
    this.acquires++;
    if (this.fail) return Promise.reject(new Error('store down'));
    return this.inner.tryAcquire(key, limit, leaseId, now, leaseMs);
  }
  release(key: string, leaseId: string): Promise<void> {
    this.releases++;
    return this.inner.release(key, leaseId);
  }
  count(key: string, now: number): Promise<number> {
    return this.inner.count(key, now);
  }
}

function setup(opts: { now?: () => number; maxIdleMs?: number; reuseMs?: number } = {}) {
  const shared = new CountingStore();
  let clock = T;
  const store = new LeasedConcurrencyStore(shared, { now: opts.now ?? (() => clock), maxIdleMs: opts.maxIdleMs ?? 60_000, reuseMs: opts.reuseMs });
  return { shared, store, advance: (ms: number) => (clock += ms), now: () => clock };
}

const stores: LeasedConcurrencyStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('LeasedConcurrencyStore', () => {
  it('goes to the shared store on every call for limits under 32 (blocks of one)', async () => {
    const { shared, store } = setup();
    stores.push(store);
    expect(store.blockSize(31)).toBe(1);
    expect(await store.tryAcquire('k', 2, 'a', T, LEASE)).toBe(true);
    expect(await store.tryAcquire('k', 2, 'b', T, LEASE)).toBe(true);
    expect(await store.tryAcquire('k', 2, 'c', T, LEASE)).toBe(false);
    await store.release('k', 'a');
    expect(await shared.count('k', T)).toBe(1);
    expect(shared.acquires).toBe(3);
    expect(shared.releases).toBe(1);
  });

  it('takes a block of slots in one go and hands them out without the shared store', async () => {
    const { shared, store, now } = setup();
    stores.push(store);
    expect(store.blockSize(64)).toBe(4);
    expect(await store.tryAcquire('k', 64, 'r1', now(), LEASE)).toBe(true);
    expect(shared.acquires).toBe(4);
    for (const id of ['r2', 'r3', 'r4']) expect(await store.tryAcquire('k', 64, id, now(), LEASE)).toBe(true);
    expect(shared.acquires).toBe(4);
    // a released slot serves the next request locally
    await store.release('k', 'r1');
    expect(await store.tryAcquire('k', 64, 'r5', now(), LEASE)).toBe(true);
    expect(shared.acquires).toBe(4);
    expect(shared.releases).toBe(0);
    expect(await store.tryAcquire('k', 64, 'r6', now(), LEASE)).toBe(true);
    expect(shared.acquires).toBe(8);
  });

  it('never holds more than the limit in the shared store, across two replicas', async () => {
    const shared = new CountingStore();
    const a = new LeasedConcurrencyStore(shared, { maxIdleMs: 60_000 });
    const b = new LeasedConcurrencyStore(shared, { maxIdleMs: 60_000 });
    stores.push(a, b);
    let granted = 0;
    for (let i = 0; i < 100; i++) {
      if (await (i % 2 ? a : b).tryAcquire('k', 40, `r${i}`, T, LEASE)) granted++;
      expect(await shared.count('k', T)).toBeLessThanOrEqual(40);
    }
    expect(granted).toBeLessThanOrEqual(40);
    // nothing was released, so no slot sits unused beyond the last block each replica took
    expect(granted).toBeGreaterThanOrEqual(40 - 2 * a.blockSize(40));
  });

  it('gives slots back after they sit unused for maxIdleMs, and keeps at most two blocks free', async () => {
    const { shared, store, now, advance } = setup({ maxIdleMs: 50 });
    stores.push(store);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
    for (const id of ids) expect(await store.tryAcquire('k', 64, id, now(), LEASE)).toBe(true);
    for (const id of ids) await store.release('k', id);
    // 12 in use became free; two blocks (8) are kept, the rest went back at once
    expect(store.freeSlots('k')).toBe(8);
    expect(await shared.count('k', now())).toBe(8);
    advance(60);
    await new Promise((r) => setTimeout(r, 120));
    expect(store.freeSlots('k')).toBe(0);
    expect(await shared.count('k', now())).toBe(0);
  });

  it('does not hand out a slot taken longer ago than reuseMs: it is given back and a fresh one taken', async () => {
    const { shared, store, now, advance } = setup({ reuseMs: 1_000 });
    stores.push(store);
    expect(await store.tryAcquire('k', 64, 'a', now(), LEASE)).toBe(true);
    await store.release('k', 'a');
    advance(1_001);
    expect(await store.tryAcquire('k', 64, 'b', now(), LEASE)).toBe(true);
    // the four old slots went back, four new ones were taken
    expect(shared.releases).toBe(4);
    expect(shared.acquires).toBe(8);
  });

  it('reports a failing shared store as an error, not as "no slot free"', async () => {
    const { shared, store, now } = setup();
    stores.push(store);
    shared.fail = true;
    await expect(store.tryAcquire('k', 64, 'a', now(), LEASE)).rejects.toThrow('store down');
  });

  it('gives its free slots back on close', async () => {
    const { shared, store, now } = setup();
    expect(await store.tryAcquire('k', 64, 'a', now(), LEASE)).toBe(true);
    await store.close();
    // the one in use stays until released
    expect(await shared.count('k', now())).toBe(1);
    await store.release('k', 'a');
  });
});

describe.skipIf(!TEST_REDIS_URL)('LeasedConcurrencyStore on Redis', () => {
  it('two replicas on one Redis never exceed a limit of 48 together', async () => {
    const prefix = randomRedisPrefix('lconc');
    const redis = await testRedis(TEST_REDIS_URL!, prefix);
    try {
      const a = new LeasedConcurrencyStore(new RedisConcurrencyStore(redis.client, prefix));
      const b = new LeasedConcurrencyStore(new RedisConcurrencyStore(redis.client, prefix));
      const held: { store: LeasedConcurrencyStore; id: string }[] = [];
      const results = await Promise.all(
        Array.from({ length: 80 }, async (_, i) => {
          const store = i % 2 ? a : b;
          const ok = await store.tryAcquire('k', 48, `r${i}`, Date.now(), LEASE);
          if (ok) held.push({ store, id: `r${i}` });
          return ok;
        }),
      );
      expect(results.filter(Boolean).length).toBeLessThanOrEqual(48);
      expect(await a.count('k', Date.now())).toBeLessThanOrEqual(48);
      for (const h of held) await h.store.release('k', h.id);
      await a.close();
      await b.close();
      expect(await a.count('k', Date.now())).toBe(0);
    } finally {
      await redis.cleanup();
    }
  });
});
