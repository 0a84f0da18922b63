import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../../src/core/index.js';
import {
  AdmissionQueue,
  MemoryConcurrencyStore,
  RedisConcurrencyStore,
  type AdmissionQueueOptions,
  type ConcurrencyStore,
} from '../../../src/gateway/limits/index.js';
import type { RedisClient } from '../../../src/store/index.js';
import { caught, rejection } from '../../helpers/caught.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { TEST_REDIS_URL, randomRedisPrefix, testRedis } from '../../helpers/redis.js';

/** A fake clock that tells the test when the queue goes to sleep, so tests advance time only then. */
class SignallingClock extends FakeClock {
  #onSleep: (() => void)[] = [];
  override sleep(ms: number): Promise<void> {
    const p = super.sleep(ms);
    for (const notify of this.#onSleep.splice(0)) notify();
    return p;
  }
  /** Resolves at the next sleep() call: the queue's head found no slot and is waiting. */
  nextSleep(): Promise<void> {
    return new Promise((resolve) => this.#onSleep.push(resolve));
  }
}

const engines: { name: string; enabled: boolean; open(): Promise<{ store: ConcurrencyStore; cleanup: () => Promise<void> }> }[] = [
  { name: 'memory', enabled: true, open: () => Promise.resolve({ store: new MemoryConcurrencyStore(), cleanup: () => Promise.resolve() }) },
  {
    name: 'redis',
    enabled: TEST_REDIS_URL !== undefined,
    async open() {
      const prefix = randomRedisPrefix('queue');
      const redis = await testRedis(TEST_REDIS_URL!, prefix);
      const { client } = redis;
      const cleanup = (): Promise<void> => redis.cleanup();
      return { store: new RedisConcurrencyStore(client, prefix), cleanup };
    },
  },
];

for (const engine of engines) {
  describe.skipIf(!engine.enabled)(`admission queue: ${engine.name}`, () => {
    let store: ConcurrencyStore;
    let cleanup: () => Promise<void>;
    let clock: SignallingClock;
    const queue = (o: Partial<AdmissionQueueOptions> = {}): AdmissionQueue =>
      new AdmissionQueue({ store, key: 'model-x', limit: 1, maxQueue: 10, maxWaitMs: 1000, clock, label: "model 'x' concurrency (1)", leaseMs: 60_000, ...o });
    beforeEach(async () => {
      ({ store, cleanup } = await engine.open());
      clock = new SignallingClock();
    });
    afterEach(async () => {
      await cleanup();
    });

    it('hands slots out in arrival order; a release serves the head before a newcomer', async () => {
      const q = queue();
      const order: string[] = [];
      const take = (name: string): Promise<() => void> =>
        q.acquire().then((release) => {
          order.push(name);
          return release;
        });
      const releaseA = await take('a');
      const blocked = clock.nextSleep();
      const pb = take('b');
      const pc = take('c');
      const pd = take('d');
      await blocked;
      expect(q.waiting).toBe(3);
      releaseA();
      const pe = take('e'); // arrives in the same tick as the release: must not overtake b, c, d
      (await pb)();
      (await pc)();
      (await pd)();
      (await pe)();
      expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(q.waiting).toBe(0);
      expect(await store.count('model-x', clock.now())).toBe(0);
    });

    it('rejects a waiter after maxWaitMs with rate_limited, and the next release goes to the next waiter', async () => {
      const q = queue({ maxWaitMs: 1000 });
      const releaseA = await q.acquire();
      const blocked = clock.nextSleep();
      const pb = q.acquire();
      await blocked;
      clock.advance(1000);
      const err = await caught(pb);
      expect(err.code).toBe('rate_limited');
      expect(err.status).toBe(429);
      expect(err.message).toContain("model 'x' concurrency (1)");
      expect(err.message).toContain('1000 ms');
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(err.details).toMatchObject({ limit: "model 'x' concurrency (1)", reason: 'queue_timeout' });
      expect(q.waiting).toBe(0);
      const pc = q.acquire();
      releaseA();
      (await pc)();
      expect(q.waiting).toBe(0);
      expect(await store.count('model-x', clock.now())).toBe(0);
    });

    it('rejects at once when maxQueue callers are already waiting', async () => {
      const q = queue({ maxQueue: 2 });
      const releaseA = await q.acquire();
      const blocked = clock.nextSleep();
      const pb = q.acquire();
      const pc = q.acquire();
      await blocked;
      const err = await caught(q.acquire());
      expect(err.code).toBe('rate_limited');
      expect(err.details).toMatchObject({ reason: 'queue_full' });
      expect(err.message).toContain('2 already waiting');
      expect(q.waiting).toBe(2);
      releaseA();
      (await pb)();
      (await pc)();
    });

    it('turns away callers beyond maxQueue who arrived while the head was being checked', async () => {
      const q = queue({ maxQueue: 1 });
      const releaseA = await q.acquire();
      const pb = q.acquire();
      const pc = q.acquire();
      const pd = q.acquire();
      expect((await caught(pc)).details).toMatchObject({ reason: 'queue_full' });
      expect((await caught(pd)).details).toMatchObject({ reason: 'queue_full' });
      expect(q.waiting).toBe(1);
      releaseA();
      (await pb)();
    });

    it('with maxQueue 0, tries once and refuses instead of waiting', async () => {
      const q = queue({ maxQueue: 0 });
      const releaseA = await q.acquire();
      expect((await caught(q.acquire())).details).toMatchObject({ reason: 'queue_full' });
      releaseA();
      (await q.acquire())();
    });

    it('removes an aborted waiter (head or not) and rejects with the signal reason', async () => {
      const q = queue();
      const releaseA = await q.acquire();
      const headAbort = new AbortController();
      const middleAbort = new AbortController();
      const blocked = clock.nextSleep();
      const pb = q.acquire(headAbort.signal);
      const pc = q.acquire(middleAbort.signal);
      const pd = q.acquire();
      await blocked;
      middleAbort.abort(new Error('client went away'));
      expect(await rejection(pc)).toMatchObject({ message: 'client went away' });
      headAbort.abort(new Error('deadline'));
      expect(await rejection(pb)).toMatchObject({ message: 'deadline' });
      expect(q.waiting).toBe(1);
      releaseA();
      (await pd)();
      expect(await store.count('model-x', clock.now())).toBe(0);
      expect(await rejection(q.acquire(AbortSignal.abort(new Error('already'))))).toMatchObject({ message: 'already' });
    });

    it('makes release idempotent: a second call frees nothing more', async () => {
      const q = queue({ limit: 2 });
      const r1 = await q.acquire();
      await q.acquire();
      r1();
      r1();
      const r3 = await q.acquire();
      const blocked = clock.nextSleep();
      const p4 = q.acquire();
      await blocked;
      expect(q.waiting).toBe(1);
      expect(await store.count('model-x', clock.now())).toBe(2);
      r3();
      (await p4)();
    });

    it('gives a waiter the slot of a lease that expired (holder crashed)', async () => {
      const q = queue({ leaseMs: 5000, maxWaitMs: 10_000, pollMs: 1000 });
      await q.acquire(); // never released
      let blocked = clock.nextSleep();
      const pb = q.acquire();
      for (let t = 0; t < 5000; t += 1000) {
        await blocked;
        blocked = clock.nextSleep();
        clock.advance(1000);
      }
      (await pb)();
      expect(q.waiting).toBe(0);
    });

    it('works with a clock that honours abort signals and leaves no timer behind', async () => {
      let onSleep: () => void = () => undefined;
      const sleeping = new Promise<void>((resolve) => (onSleep = resolve));
      const realClock: Clock = {
        now: () => systemClock.now(),
        sleep: (ms, signal) => {
          onSleep();
          return systemClock.sleep(ms, signal);
        },
      };
      const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();
      const q = queue({ clock: realClock, maxWaitMs: 60_000, pollMs: 60_000 });
      const releaseA = await q.acquire();
      const pb = q.acquire();
      await sleeping;
      expect(timers()).toBe(before + 1);
      releaseA();
      (await pb)();
      expect(q.waiting).toBe(0);
      expect(timers()).toBe(before);
    });

    it('rejects bad options with a config error naming the limit', () => {
      expect(() => queue({ limit: 0 })).toThrow(/model 'x' concurrency \(1\).*limit/);
      expect(() => queue({ maxQueue: -1 })).toThrow(/maxQueue/);
    });
  });
}

describe.skipIf(!TEST_REDIS_URL)('admission queue: two replicas on one Redis', () => {
  let prefix: string;
  let a: { client: RedisClient; cleanup(): Promise<void> };
  let b: { client: RedisClient; cleanup(): Promise<void> };
  beforeEach(async () => {
    prefix = randomRedisPrefix('queue');
    a = await testRedis(TEST_REDIS_URL!, prefix);
    b = await testRedis(TEST_REDIS_URL!, prefix);
  });
  afterEach(async () => {
    await a.cleanup();
    await b.cleanup();
  });

  it('never holds more than the limit together, and serves everyone', async () => {
    const limit = 3;
    const replicas = [a.client, b.client].map(
      (client) =>
        new AdmissionQueue({
          store: new RedisConcurrencyStore(client, prefix),
          key: 'shared',
          limit,
          maxQueue: 100,
          maxWaitMs: 20_000,
          clock: systemClock, // polls for slots freed by the other replica in real time
          label: 'shared concurrency (3)',
          leaseMs: 60_000,
          pollMs: 2,
        }),
    );
    let held = 0;
    let maxHeld = 0;
    const work = async (q: AdmissionQueue, client: RedisClient): Promise<void> => {
      const release = await q.acquire();
      held++;
      maxHeld = Math.max(maxHeld, held);
      await client.ping(); // hold the slot across a round trip so the replicas overlap
      held--;
      release();
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => work(replicas[i % 2]!, i % 2 === 0 ? a.client : b.client)));
    expect(maxHeld).toBeLessThanOrEqual(limit);
    expect(maxHeld).toBeGreaterThan(1);
    expect(replicas.map((q) => q.waiting)).toEqual([0, 0]);
  });
});
