import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StrataError } from '../../src/core/index.js';
import { BudgetGuard, MemorySpendStore, RedisSpendStore, windowStart, type BudgetRule, type SpendStore } from '../../src/gateway/index.js';
import { GatewayMetrics, createLogger } from '../../src/observe/index.js';
import { insertInvocations, openStore, type RedisClient, type Store } from '../../src/store/index.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { TEST_REDIS_URL, randomRedisPrefix, testRedis } from '../helpers/redis.js';
import { makeRecord } from '../store/records.js';

// Fake clocks start in the future: Redis applies PXAT expiries on its own (real) clock, and a count
// that expired in Redis because the fake "now" lies in the past would not be the behaviour under test.
const JAN_31_2031_2300 = Date.UTC(2031, 0, 31, 23, 0, 0);
const HOUR = 3_600_000;

function rule(over: Partial<BudgetRule> = {}): BudgetRule {
  return { name: 'b', tags: {}, window: 'day', limitUsd: 1, action: 'block', alerts: [], ...over };
}

interface AlertLine {
  event: string;
  budget: string;
  scope: string;
  threshold: number;
  spentUsd: number;
}

function capturingLogger(): { logger: ReturnType<typeof createLogger>; alerts: AlertLine[] } {
  const alerts: AlertLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      const line = JSON.parse(chunk.toString()) as AlertLine;
      if (line.event === 'budget_alert') alerts.push(line);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), alerts };
}

interface SpendBackend {
  name: string;
  make(): SpendStore;
}

let redis: { client: RedisClient; cleanup(): Promise<void> } | undefined;
const redisPrefix = randomRedisPrefix('budget');
let redisStores = 0;

beforeAll(async () => {
  if (TEST_REDIS_URL) redis = await testRedis(TEST_REDIS_URL, redisPrefix);
});
afterAll(async () => {
  await redis?.cleanup();
});

const backends: SpendBackend[] = [
  { name: 'MemorySpendStore', make: () => new MemorySpendStore() },
  // each test gets its own sub-prefix so counts never leak between tests
  { name: 'RedisSpendStore', make: () => new RedisSpendStore(redis!.client, `${redisPrefix}${++redisStores}:`) },
];

describe.each(backends)('BudgetGuard on $name', (backend) => {
  it.skipIf(backend.name === 'RedisSpendStore' && !TEST_REDIS_URL)('blocks once the limit is reached and turns a new UTC day', async () => {
    const clock = new FakeClock(JAN_31_2031_2300 - 22 * HOUR); // Jan 31 01:00 UTC
    const guard = new BudgetGuard({ rules: [rule({ limitUsd: 1 })], spend: backend.make(), clock });
    expect(await guard.check('acme', {})).toEqual({});
    await guard.record('acme', {}, 0.6);
    expect(await guard.check('acme', {})).toEqual({});
    await guard.record('acme', {}, 0.4);
    const d = await guard.check('acme', {});
    expect(d.block).toMatchObject({ rule: { name: 'b' }, spentUsd: 1 });

    // Retry-After runs to the next UTC midnight
    const err = guard.blockedError(d.block!);
    expect(err).toBeInstanceOf(StrataError);
    expect(err).toMatchObject({ code: 'budget_exceeded', status: 429, retryAfterMs: 23 * HOUR });
    expect(err.message).toContain('2031-02-01T00:00:00.000Z');

    clock.advance(23 * HOUR - 1); // 23:59:59.999
    expect((await guard.check('acme', {})).block).toBeDefined();
    clock.advance(1); // Feb 1 00:00 UTC
    expect(await guard.check('acme', {})).toEqual({});
    await guard.record('acme', {}, 0.9);
    expect(await guard.check('acme', {})).toEqual({});
  });

  it.skipIf(backend.name === 'RedisSpendStore' && !TEST_REDIS_URL)('a month window spans day boundaries and resets on the 1st (UTC)', async () => {
    const clock = new FakeClock(Date.UTC(2031, 0, 15, 12));
    const guard = new BudgetGuard({
      rules: [rule({ name: 'monthly', window: 'month', limitUsd: 2 }), rule({ name: 'daily', window: 'day', limitUsd: 1.5 })],
      spend: backend.make(),
      clock,
    });
    await guard.record('acme', {}, 1.2);
    clock.advance(24 * HOUR); // Jan 16: the day budget starts again, the month one goes on
    await guard.record('acme', {}, 1.2);
    expect((await guard.check('acme', {})).block?.rule.name).toBe('monthly');
    clock.advance(JAN_31_2031_2300 + HOUR - 1 - clock.now()); // Jan 31 23:59:59.999
    expect((await guard.check('acme', {})).block?.rule.name).toBe('monthly');
    expect(guard.blockedError((await guard.check('acme', {})).block!).retryAfterMs).toBe(1);
    clock.advance(1); // Feb 1 00:00 UTC
    expect(await guard.check('acme', {})).toEqual({});
  });

  it.skipIf(backend.name === 'RedisSpendStore' && !TEST_REDIS_URL)("scopes: '*' counts each tenant separately, no tenant counts all together, a name only that tenant", async () => {
    const clock = new FakeClock(JAN_31_2031_2300);
    const guard = new BudgetGuard({
      rules: [
        rule({ name: 'each', tenant: '*', limitUsd: 1 }),
        rule({ name: 'all', limitUsd: 2.5 }),
        rule({ name: 'globex-only', tenant: 'globex', limitUsd: 0.5, action: 'downgrade' }),
      ],
      spend: backend.make(),
      clock,
    });
    await guard.record('acme', {}, 1);
    expect((await guard.check('acme', {})).block?.rule.name).toBe('each');
    expect(await guard.check('globex', {})).toEqual({});
    await guard.record('globex', {}, 0.6);
    // globex: 0.6 of its own 1 (not blocked), but its own downgrade budget of 0.5 is spent
    expect(await guard.check('globex', {})).toMatchObject({ downgrade: { rule: { name: 'globex-only' } } });
    expect((await guard.check('globex', {})).block).toBeUndefined();
    expect(await guard.check('initech', {})).toEqual({});
    await guard.record('initech', {}, 0.9);
    // together 2.5: the all-traffic budget now blocks everyone, initech included
    for (const t of ['initech', 'umbrella']) expect((await guard.check(t, {})).block?.rule.name).toBe('all');
    // a request under both a block and a downgrade budget is blocked
    expect(await guard.check('globex', {})).toMatchObject({ block: { rule: { name: 'all' } }, downgrade: { rule: { name: 'globex-only' } } });
  });

  it.skipIf(backend.name === 'RedisSpendStore' && !TEST_REDIS_URL)('tags: only requests carrying every tag of the budget count and are acted on', async () => {
    const clock = new FakeClock(JAN_31_2031_2300);
    const guard = new BudgetGuard({
      rules: [rule({ name: 'chat', tags: { feature: 'chat' }, limitUsd: 1 }), rule({ name: 'pro-chat', tags: { feature: 'chat', segment: 'pro' }, limitUsd: 0.5 })],
      spend: backend.make(),
      clock,
    });
    await guard.record('acme', { feature: 'search' }, 5);
    await guard.record('acme', {}, 5);
    expect(await guard.check('acme', { feature: 'chat', segment: 'pro' })).toEqual({});
    await guard.record('acme', { feature: 'chat', segment: 'free' }, 0.6);
    // pro-chat saw none of that; chat saw 0.6
    expect(await guard.check('acme', { feature: 'chat', segment: 'pro' })).toEqual({});
    await guard.record('globex', { feature: 'chat', segment: 'pro', extra: 'x' }, 0.5);
    expect((await guard.check('acme', { feature: 'chat', segment: 'pro' })).block?.rule.name).toBe('chat');
    expect((await guard.check('acme', { segment: 'pro', feature: 'chat' })).block?.rule.name).toBe('chat');
    expect((await guard.check('acme', { feature: 'chat' })).block?.rule.name).toBe('chat');
    expect(await guard.check('acme', { feature: 'search' })).toEqual({});
    expect(await guard.check('acme', {})).toEqual({});
  });

  it.skipIf(backend.name === 'RedisSpendStore' && !TEST_REDIS_URL)('alerts once per threshold and window, several at once when one request crosses them', async () => {
    const clock = new FakeClock(JAN_31_2031_2300);
    const { logger, alerts } = capturingLogger();
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const guard = new BudgetGuard({ rules: [rule({ name: 'w', tenant: '*', limitUsd: 10, action: 'downgrade', alerts: [0.5, 0.8, 1] })], spend: backend.make(), clock, logger, metrics });
    await guard.record('acme', {}, 4);
    expect(alerts).toEqual([]);
    await guard.record('acme', {}, 5); // 9: crosses 50% and 80% at once
    await guard.record('acme', {}, 0.5);
    await guard.record('acme', {}, 0.5); // exactly 10
    await guard.record('acme', {}, 3);
    await guard.record('globex', {}, 6); // another tenant's scope has its own alerts
    expect(alerts.map((a) => [a.scope, a.threshold, a.spentUsd])).toEqual([
      ['acme', 0.5, 9],
      ['acme', 0.8, 9],
      ['acme', 1, 10],
      ['globex', 0.5, 6],
    ]);
    expect(await metrics.registry.getSingleMetricAsString('strata_budget_alerts_total')).toContain('strata_budget_alerts_total{budget="w",threshold="0.5"} 2');
    expect(await metrics.registry.getSingleMetricAsString('strata_budget_spend_usd')).toContain('strata_budget_spend_usd{budget="w",scope="acme"} 13');
    clock.advance(HOUR); // a new day: the thresholds can be crossed again
    await guard.record('acme', {}, 5);
    expect(alerts.slice(4).map((a) => [a.scope, a.threshold, a.spentUsd])).toEqual([['acme', 0.5, 5]]);
  });

  it.skipIf(backend.name === 'RedisSpendStore' && !TEST_REDIS_URL)('starts a window from the spend already in the invocation store (a restart keeps the count)', async () => {
    const clock = new FakeClock(JAN_31_2031_2300);
    const store = await openStore({ home: ':memory:' });
    try {
      await insertInvocations(store, [
        makeRecord({ ts: clock.now() - HOUR, tenant: 'acme', costUsd: 0.7, tags: { feature: 'chat' } }),
        makeRecord({ ts: clock.now() - 2 * HOUR, tenant: 'acme', costUsd: 0.4, tags: {} }),
        // yesterday: another window
        makeRecord({ ts: clock.now() - 24 * HOUR, tenant: 'acme', costUsd: 50, tags: { feature: 'chat' } }),
        makeRecord({ ts: clock.now() - HOUR, tenant: 'globex', costUsd: 3.5, tags: { feature: 'chat' } }),
      ]);
      const guard = new BudgetGuard({
        rules: [rule({ name: 'each', tenant: '*', limitUsd: 1 }), rule({ name: 'chat', tags: { feature: 'chat' }, limitUsd: 5 })],
        spend: backend.make(),
        store,
        clock,
      });
      expect(await guard.check('acme', {})).toMatchObject({ block: { rule: { name: 'each' }, spentUsd: 1.1 } });
      expect((await guard.check('globex', { feature: 'chat' })).block?.rule.name).toBe('each');
      expect(await guard.check('initech', { feature: 'chat' })).toEqual({});
      // chat so far: 0.7 + 3.5; 0.9 more passes 5 (and stays under initech's own 1)
      await guard.record('initech', { feature: 'chat' }, 0.9);
      expect((await guard.check('initech', { feature: 'chat' })).block?.rule.name).toBe('chat');
    } finally {
      await store.close();
    }
  });
});

describe('BudgetGuard with in-process counts', () => {
  it('forgets the counts and alert claims of ended windows instead of keeping them for the life of the process', async () => {
    const clock = new FakeClock(JAN_31_2031_2300);
    const spend = new MemorySpendStore();
    const guard = new BudgetGuard({ rules: [rule({ name: 'b', tenant: '*', limitUsd: 1, alerts: [1] })], spend, clock });
    const day1 = windowStart('day', clock.now());
    await guard.record('acme', {}, 2);
    expect(await spend.get(`b|acme|${day1}`)).toBe(2);
    clock.advance(HOUR); // the next day: yesterday's count is kept a day longer, like the Redis keys
    await guard.record('acme', {}, 0.1);
    expect(await spend.get(`b|acme|${day1}`)).toBe(2);
    clock.advance(24 * HOUR);
    expect(await guard.check('acme', {})).toEqual({});
    expect(await spend.get(`b|acme|${day1}`)).toBeUndefined();
    // the claim went with it: a store reused for that window would alert again rather than stay silent forever
    expect(await spend.claimOnce(`b|acme|${day1}|1`, clock.now() + HOUR)).toBe(true);
  });
});

describe.skipIf(!TEST_REDIS_URL)('BudgetGuard replicas on one RedisSpendStore', () => {
  it('share spend and claim each alert once between them', async () => {
    const clock = new FakeClock(JAN_31_2031_2300);
    const prefix = `${redisPrefix}replicas:`;
    const logs = [capturingLogger(), capturingLogger()];
    const rules = [rule({ name: 'shared', limitUsd: 1, alerts: [0.5, 1] })];
    const [a, b] = logs.map(({ logger }) => new BudgetGuard({ rules, spend: new RedisSpendStore(redis!.client, prefix), clock, logger }));
    await a!.record('acme', {}, 0.3);
    await b!.record('acme', {}, 0.3); // 0.6 in total: b crosses 50%
    expect(await a!.check('acme', {})).toEqual({});
    await a!.record('acme', {}, 0.4);
    expect((await b!.check('acme', {})).block).toMatchObject({ spentUsd: 1 });
    expect((await a!.check('acme', {})).block).toMatchObject({ spentUsd: 1 });
    await b!.record('acme', {}, 0.5);
    expect(logs[0]!.alerts.map((x) => x.threshold)).toEqual([1]);
    expect(logs[1]!.alerts.map((x) => x.threshold)).toEqual([0.5]);
  });
});

describe('BudgetGuard replicas with in-process counts over one invocation store', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ home: ':memory:' });
  });
  afterAll(async () => {
    await store.close();
  });
  afterEach(async () => {
    await store.db.deleteFrom('invocations').execute();
  });

  it('converge by re-reading the stored spend every resyncMs, without double counting their own', async () => {
    const clock = new FakeClock(JAN_31_2031_2300);
    const rules = [rule({ name: 'shared', limitUsd: 1.5 })];
    const a = new BudgetGuard({ rules, spend: new MemorySpendStore(), store, clock, resyncMs: 1000 });
    const b = new BudgetGuard({ rules, spend: new MemorySpendStore(), store, clock, resyncMs: 1000 });
    // what each replica's pipeline does: count the cost, and (through its writer) store the record
    const spendOn = async (guard: BudgetGuard, usd: number): Promise<void> => {
      await guard.record('acme', {}, usd);
      await insertInvocations(store, [makeRecord({ ts: clock.now(), tenant: 'acme', costUsd: usd })]);
    };
    expect(await a.check('acme', {})).toEqual({});
    expect(await b.check('acme', {})).toEqual({});
    await spendOn(a, 0.8);
    await spendOn(b, 0.6);
    // before a resync each replica knows only its own spend
    expect(await a.check('acme', {})).toEqual({});
    expect(await b.check('acme', {})).toEqual({});
    clock.advance(999);
    expect(await a.check('acme', {})).toEqual({});
    clock.advance(1);
    // 1.4 stored: still under 1.5 — a replica adding the stored total to its own count would block here
    expect(await a.check('acme', {})).toEqual({});
    expect(await b.check('acme', {})).toEqual({});
    await spendOn(b, 0.2);
    expect((await b.check('acme', {})).block).toMatchObject({ spentUsd: expect.closeTo(1.6, 12) as number });
    expect(await a.check('acme', {})).toEqual({});
    clock.advance(1000);
    expect((await a.check('acme', {})).block).toMatchObject({ spentUsd: expect.closeTo(1.6, 12) as number });
  });

  it('a replica that has counted more than the store shows (records not yet written) keeps its own count', async () => {
    const clock = new FakeClock(JAN_31_2031_2300);
    const guard = new BudgetGuard({ rules: [rule({ limitUsd: 1 })], spend: new MemorySpendStore(), store, clock, resyncMs: 1000 });
    await guard.record('acme', {}, 1.2);
    clock.advance(5000);
    expect((await guard.check('acme', {})).block).toMatchObject({ spentUsd: 1.2 });
  });
});
