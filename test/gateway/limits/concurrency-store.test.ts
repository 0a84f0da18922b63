import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryConcurrencyStore, RedisConcurrencyStore, type ConcurrencyStore } from '../../../src/gateway/limits/index.js';
import type { RedisClient } from '../../../src/store/index.js';
import { TEST_REDIS_URL, randomRedisPrefix, testRedis } from '../../helpers/redis.js';

const T = 1_700_000_000_000;

const engines: { name: string; enabled: boolean; open(): Promise<{ store: ConcurrencyStore; cleanup: () => Promise<void> }> }[] = [
  { name: 'memory', enabled: true, open: () => Promise.resolve({ store: new MemoryConcurrencyStore(), cleanup: () => Promise.resolve() }) },
  {
    name: 'redis',
    enabled: TEST_REDIS_URL !== undefined,
    async open() {
      const prefix = randomRedisPrefix('conc');
      const redis = await testRedis(TEST_REDIS_URL!, prefix);
      const { client } = redis;
      const cleanup = (): Promise<void> => redis.cleanup();
      return { store: new RedisConcurrencyStore(client, prefix), cleanup };
    },
  },
];

for (const engine of engines) {
  describe.skipIf(!engine.enabled)(`concurrency store: ${engine.name}`, () => {
    let store: ConcurrencyStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await engine.open());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('grants up to the limit, then refuses until a slot is released', async () => {
      expect(await store.tryAcquire('k', 2, 'a', T, 60_000)).toBe(true);
      expect(await store.tryAcquire('k', 2, 'b', T, 60_000)).toBe(true);
      expect(await store.tryAcquire('k', 2, 'c', T, 60_000)).toBe(false);
      expect(await store.count('k', T)).toBe(2);
      await store.release('k', 'a');
      expect(await store.tryAcquire('k', 2, 'c', T, 60_000)).toBe(true);
    });

    it('ignores a second release and unknown leases', async () => {
      await store.tryAcquire('k', 2, 'a', T, 60_000);
      await store.tryAcquire('k', 2, 'b', T, 60_000);
      await store.release('k', 'a');
      await store.release('k', 'a');
      await store.release('k', 'nobody');
      await store.release('other-key', 'b');
      expect(await store.count('k', T)).toBe(1);
    });

    it('frees the slot of an expired lease (a crashed replica)', async () => {
      expect(await store.tryAcquire('k', 1, 'crashed', T, 1000)).toBe(true);
      expect(await store.tryAcquire('k', 1, 'next', T + 999, 1000)).toBe(false);
      expect(await store.count('k', T + 1000)).toBe(0);
      expect(await store.tryAcquire('k', 1, 'next', T + 1000, 1000)).toBe(true);
      expect(await store.count('k', T + 1000)).toBe(1);
    });

    it('extends a held lease instead of taking a second slot', async () => {
      expect(await store.tryAcquire('k', 2, 'a', T, 1000)).toBe(true);
      expect(await store.tryAcquire('k', 2, 'a', T + 900, 1000)).toBe(true);
      expect(await store.count('k', T + 1500)).toBe(1);
      expect(await store.tryAcquire('k', 2, 'b', T + 1500, 1000)).toBe(true);
      expect(await store.tryAcquire('k', 2, 'c', T + 1500, 1000)).toBe(false);
    });

    it('keeps keys apart', async () => {
      expect(await store.tryAcquire('model-a', 1, 'x', T, 60_000)).toBe(true);
      expect(await store.tryAcquire('model-b', 1, 'y', T, 60_000)).toBe(true);
      expect(await store.count('model-a', T)).toBe(1);
    });
  });
}

describe.skipIf(!TEST_REDIS_URL)('concurrency store: redis only', () => {
  let prefix: string;
  let a: { client: RedisClient; cleanup(): Promise<void> };
  let b: { client: RedisClient; cleanup(): Promise<void> };
  beforeEach(async () => {
    prefix = randomRedisPrefix('conc');
    a = await testRedis(TEST_REDIS_URL!, prefix);
    b = await testRedis(TEST_REDIS_URL!, prefix);
  });
  afterEach(async () => {
    await a.cleanup();
    await b.cleanup();
  });

  it('never grants more than the limit to two clients racing for slots', async () => {
    const stores = [new RedisConcurrencyStore(a.client, prefix), new RedisConcurrencyStore(b.client, prefix)];
    const granted = await Promise.all(Array.from({ length: 100 }, (_, i) => stores[i % 2]!.tryAcquire('hot', 10, `lease-${i}`, T, 60_000)));
    expect(granted.filter(Boolean)).toHaveLength(10);
    expect(await stores[0]!.count('hot', T)).toBe(10);
  });

  it('gives the lease set a TTL so an abandoned key disappears', async () => {
    await new RedisConcurrencyStore(a.client, prefix).tryAcquire('ttl', 1, 'x', T, 5000);
    const ttl = await a.client.pTTL(`${prefix}conc:ttl`);
    expect(ttl).toBeGreaterThan(5000);
    expect(ttl).toBeLessThanOrEqual(6000);
  });
});
