import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryRateStore, RedisRateStore, type BucketSpec, type RateStore } from '../../../src/gateway/limits/index.js';
import { RedisScript } from '../../../src/gateway/limits/redis-script.js';
import type { RedisClient } from '../../../src/store/index.js';
import { caught } from '../../helpers/caught.js';
import { TEST_REDIS_URL, randomRedisPrefix, testRedis } from '../../helpers/redis.js';

const T = 1_700_000_000_000;

function bucket(key: string, capacity: number, refillPerSec: number, cost: number): BucketSpec {
  return { key, capacity, refillPerSec, cost, label: `${key} (${capacity})` };
}

interface Engine {
  /** the store under test */
  store: RateStore;
  /** a second store of the same engine in another namespace (another prefix on Redis) */
  sibling: RateStore;
  cleanup: () => Promise<void>;
}

const engines: { name: string; enabled: boolean; open(): Promise<Engine> }[] = [
  {
    name: 'memory',
    enabled: true,
    open: () => Promise.resolve({ store: new MemoryRateStore(), sibling: new MemoryRateStore(), cleanup: () => Promise.resolve() }),
  },
  {
    name: 'redis',
    enabled: TEST_REDIS_URL !== undefined,
    async open() {
      const prefix = randomRedisPrefix('rate');
      const redis = await testRedis(TEST_REDIS_URL!, prefix);
      const { client } = redis;
      const cleanup = (): Promise<void> => redis.cleanup();
      return { store: new RedisRateStore(client, `${prefix}a:`), sibling: new RedisRateStore(client, `${prefix}b:`), cleanup };
    },
  },
];

for (const engine of engines) {
  describe.skipIf(!engine.enabled)(`token buckets: ${engine.name}`, () => {
    let e: Engine;
    beforeEach(async () => {
      e = await engine.open();
    });
    afterEach(async () => {
      await e.cleanup();
    });

    it('starts full and refuses once the capacity is spent, naming the bucket', async () => {
      const b = bucket('tenant:acme:rpm', 5, 1, 1);
      for (let i = 0; i < 5; i++) expect((await e.store.take([b], T)).ok).toBe(true);
      expect(await e.store.take([b], T)).toEqual({ ok: false, failed: b, retryAfterMs: 1000 });
    });

    it('takes from every bucket or from none: one short bucket leaves the others untouched', async () => {
      const wide = bucket('wide', 10, 0.001, 2);
      const narrow = bucket('narrow', 2, 0.001, 2);
      expect((await e.store.take([wide, narrow], T)).ok).toBe(true);
      const refused = await e.store.take([wide, narrow], T);
      expect(refused.ok).toBe(false);
      expect(refused.failed).toEqual(narrow);
      // wide still holds 8: exactly 8 more can be taken, not 6
      expect((await e.store.take([{ ...wide, cost: 8 }], T)).ok).toBe(true);
      expect((await e.store.take([{ ...wide, cost: 1 }], T)).ok).toBe(false);
    });

    it('reports the first short bucket and the wait of the slowest one', async () => {
      const fast = bucket('fast', 10, 10, 10);
      const slow = bucket('slow', 10, 1, 10);
      expect((await e.store.take([fast, slow], T)).ok).toBe(true);
      const r = await e.store.take([{ ...fast, cost: 5 }, { ...slow, cost: 5 }], T);
      expect(r).toEqual({ ok: false, failed: { ...fast, cost: 5 }, retryAfterMs: 5000 });
      expect((await e.store.take([{ ...fast, cost: 5 }, { ...slow, cost: 5 }], T + 4999)).ok).toBe(false);
      expect((await e.store.take([{ ...fast, cost: 5 }, { ...slow, cost: 5 }], T + 5000)).ok).toBe(true);
    });

    it('refills with time up to the capacity, never beyond', async () => {
      const b = bucket('refill', 10, 2, 10);
      expect((await e.store.take([b], T)).ok).toBe(true);
      expect((await e.store.take([{ ...b, cost: 2 }], T + 1000)).ok).toBe(true);
      expect(await e.store.take([{ ...b, cost: 1 }], T + 1000)).toMatchObject({ ok: false, retryAfterMs: 500 });
      expect((await e.store.take([b], T + 3_600_000)).ok).toBe(true);
      expect((await e.store.take([{ ...b, cost: 1 }], T + 3_600_000)).ok).toBe(false);
    });

    it('keeps fractional tokens, and a caller who waits the advertised retryAfterMs is served', async () => {
      const b = bucket('frac', 1, 3, 1);
      expect((await e.store.take([b], T)).ok).toBe(true);
      const r = await e.store.take([b], T);
      expect(r.retryAfterMs).toBe(334); // ceil(1000 / 3)
      expect((await e.store.take([b], T + r.retryAfterMs)).ok).toBe(true);
      expect((await e.store.take([{ ...b, cost: 0.5 }], T + r.retryAfterMs + 167)).ok).toBe(true);
    });

    it('refills nothing when the clock goes backwards, and never refills the same interval twice', async () => {
      const b = bucket('skew', 10, 1, 10);
      expect((await e.store.take([b], T)).ok).toBe(true);
      expect(await e.store.take([{ ...b, cost: 1 }], T - 5000)).toMatchObject({ ok: false, retryAfterMs: 1000 });
      expect((await e.store.take([{ ...b, cost: 1 }], T + 1000)).ok).toBe(true);
      expect((await e.store.take([{ ...b, cost: 1 }], T + 1000)).ok).toBe(false);
    });

    it('charges consume into debt that refill repays', async () => {
      const b = bucket('tokens', 10, 1, 10);
      expect((await e.store.take([b], T)).ok).toBe(true);
      await e.store.charge([{ key: b.key, capacity: 10, refillPerSec: 1, delta: 5 }], T); // actual usage was higher
      expect(await e.store.take([{ ...b, cost: 1 }], T + 5000)).toMatchObject({ ok: false, retryAfterMs: 1000 });
      expect((await e.store.take([{ ...b, cost: 1 }], T + 6000)).ok).toBe(true);
    });

    it('refunds stop at the capacity', async () => {
      const b = bucket('refund', 10, 0.001, 4);
      expect((await e.store.take([b], T)).ok).toBe(true);
      await e.store.charge([{ key: b.key, capacity: 10, refillPerSec: 0.001, delta: -10 }], T);
      expect((await e.store.take([{ ...b, cost: 10 }], T)).ok).toBe(true);
      expect((await e.store.take([{ ...b, cost: 1 }], T)).ok).toBe(false);
    });

    it('charges several buckets at once, including fresh ones', async () => {
      await e.store.charge(
        [
          { key: 'c1', capacity: 10, refillPerSec: 1, delta: 3 },
          { key: 'c2', capacity: 5, refillPerSec: 1, delta: 5 },
        ],
        T,
      );
      expect((await e.store.take([bucket('c1', 10, 1, 7)], T)).ok).toBe(true);
      expect(await e.store.take([bucket('c2', 5, 1, 1)], T)).toMatchObject({ ok: false, retryAfterMs: 1000 });
    });

    it('flags a cost above the capacity as impossible and takes nothing', async () => {
      const other = bucket('other', 10, 1, 1);
      const small = bucket('small', 5, 1, 6);
      expect(await e.store.take([other, small], T)).toEqual({ ok: false, failed: small, retryAfterMs: 0, impossible: true });
      expect((await e.store.take([{ ...other, cost: 10 }], T)).ok).toBe(true);
    });

    it('always serves a zero cost, even from an empty bucket', async () => {
      const b = bucket('zero', 1, 1, 1);
      expect((await e.store.take([b], T)).ok).toBe(true);
      expect((await e.store.take([{ ...b, cost: 0 }], T)).ok).toBe(true);
      expect((await e.store.take([], T)).ok).toBe(true);
    });

    it('isolates namespaces: the same key in another store is untouched', async () => {
      const b = bucket('shared-name', 1, 0.001, 1);
      expect((await e.store.take([b], T)).ok).toBe(true);
      expect((await e.store.take([b], T)).ok).toBe(false);
      expect((await e.sibling.take([b], T)).ok).toBe(true);
    });

    it('rejects malformed specs with a message naming the limit', async () => {
      const err = await caught(e.store.take([bucket('bad', Number.NaN, 1, 1)], T));
      expect(err.code).toBe('config_invalid');
      expect(err.message).toContain('bad (NaN)');
      expect((await caught(e.store.take([bucket('zero-rate', 1, 0, 1)], T))).code).toBe('config_invalid');
      expect((await caught(e.store.take([bucket('dup', 1, 1, 1), bucket('dup', 2, 1, 1)], T))).message).toContain('twice');
      expect((await caught(e.store.charge([{ key: 'k', capacity: 1, refillPerSec: 1, delta: Number.NaN }], T))).code).toBe('internal');
    });
  });
}

describe.skipIf(!TEST_REDIS_URL)('token buckets: redis only', () => {
  let prefix: string;
  let a: { client: RedisClient; cleanup(): Promise<void> };
  let b: { client: RedisClient; cleanup(): Promise<void> };
  beforeEach(async () => {
    prefix = randomRedisPrefix('rate');
    a = await testRedis(TEST_REDIS_URL!, prefix);
    b = await testRedis(TEST_REDIS_URL!, prefix);
  });
  afterEach(async () => {
    await a.cleanup();
    await b.cleanup();
  });

  it('never grants more than the capacity to two clients hammering one bucket', async () => {
    const stores = [new RedisRateStore(a.client, prefix), new RedisRateStore(b.client, prefix)];
    const spec = bucket('hot', 50, 0.01, 1);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % 2]!.take([spec], T)));
    expect(results.filter((r) => r.ok)).toHaveLength(50);
  });

  it('lets idle buckets expire: the TTL covers the refill to full, a full bucket is not stored', async () => {
    const store = new RedisRateStore(a.client, prefix);
    await store.take([bucket('ttl', 10, 1, 4)], T);
    const ttl = await a.client.pTTL(`${prefix}rate:ttl`);
    expect(ttl).toBeGreaterThan(4000);
    expect(ttl).toBeLessThanOrEqual(5000);
    await store.charge([{ key: 'ttl', capacity: 10, refillPerSec: 1, delta: -4 }], T);
    expect(await a.client.exists(`${prefix}rate:ttl`)).toBe(0);
  });

  it('falls back to EVAL when the server does not know the script, then runs it by digest', async () => {
    const script = new RedisScript(`-- ${prefix}\nreturn tonumber(ARGV[1]) + 1`);
    expect(await script.run(a.client, [], ['41'])).toBe(42);
    expect(await script.run(a.client, [], ['1'])).toBe(2);
  });
});
