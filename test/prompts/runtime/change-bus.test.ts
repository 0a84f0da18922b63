import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessChangeBus, PostgresChangeBus, RedisChangeBus, promptChannel, type PromptBusEvent, type PromptChangeBus } from '../../../src/prompts/runtime/index.js';
import { connectRedis, openStore, setSettingIfAbsent, type RedisClient, type Store } from '../../../src/store/index.js';
import { TEST_DATABASE_URL, freshSchema, type FreshSchema } from '../../helpers/postgres.js';
import { TEST_REDIS_URL, randomRedisPrefix } from '../../helpers/redis.js';

/** Resolves with the first event a bus delivers that matches. */
function nextEvent(bus: PromptChangeBus, match: (e: PromptBusEvent) => boolean = () => true): Promise<PromptBusEvent> {
  return new Promise((resolve) => {
    const off = bus.subscribe((e) => {
      if (!match(e)) return;
      off();
      resolve(e);
    });
  });
}

const change = { tenant: 'acme', name: 'support/answer', label: 'production' };

describe('InProcessChangeBus', () => {
  it('delivers a change to every subscriber before publish returns', async () => {
    const bus = new InProcessChangeBus();
    const seen: PromptBusEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    bus.subscribe(() => {
      throw new Error('a faulty listener does not stop the others');
    });
    const p = bus.publish(change);
    expect(seen).toEqual([{ type: 'change', change }]);
    await p;
    await bus.close();
  });

  it("announces a resync when another connection commits to the embedded database (a CLI run, a second server)", async () => {
    const home = mkdtempSync(join(tmpdir(), 'strata-bus-'));
    const mine = await openStore({ home });
    const theirs = await openStore({ home });
    const bus = new InProcessChangeBus({ sqlite: mine.sqlite, pollMs: 20 });
    try {
      const resync = nextEvent(bus, (e) => e.type === 'resync');
      await setSettingIfAbsent(theirs, 'bus-test', 'x');
      expect(await resync).toEqual({ type: 'resync' });
    } finally {
      await bus.close();
      await theirs.close();
      await mine.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('promptChannel', () => {
  it('is one channel per schema, a valid identifier even for long names', () => {
    expect(promptChannel('public')).toBe('strata_prompts_public');
    expect(promptChannel('t_a')).not.toBe(promptChannel('t_b'));
    const long = promptChannel('x'.repeat(63));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9_]+$/);
  });
});

describe.skipIf(!TEST_DATABASE_URL)('PostgresChangeBus', () => {
  let schema: FreshSchema;
  let a: Store;
  let b: Store;
  let other: Store;
  let otherSchema: FreshSchema;

  beforeAll(async () => {
    schema = freshSchema(TEST_DATABASE_URL!, 'bus');
    otherSchema = freshSchema(TEST_DATABASE_URL!, 'bus_other');
    a = await openStore({ databaseUrl: schema.url, schema: schema.schema });
    b = await openStore({ databaseUrl: schema.url, schema: schema.schema });
    other = await openStore({ databaseUrl: otherSchema.url, schema: otherSchema.schema });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), other?.close()]);
    await schema?.drop();
    await otherSchema?.drop();
  });

  it('carries a change from one replica to another on the same schema, and not to another schema', async () => {
    const busA = new PostgresChangeBus({ url: schema.url, store: a });
    const busB = new PostgresChangeBus({ url: schema.url, store: b });
    const busOther = new PostgresChangeBus({ url: otherSchema.url, store: other });
    try {
      await Promise.all([busA.ready(), busB.ready(), busOther.ready()]);
      expect(busA.channel).toBe(promptChannel(schema.schema));
      const heardByOther: PromptBusEvent[] = [];
      busOther.subscribe((e) => heardByOther.push(e));
      const local: PromptBusEvent[] = [];
      busA.subscribe((e) => local.push(e));
      const remote = nextEvent(busB);
      await busA.publish(change);
      expect(await remote).toEqual({ type: 'change', change });
      // the publisher heard it once, synchronously, not a second time as its own echo
      const echoCheck = nextEvent(busA);
      await busB.publish({ ...change, label: 'staging' });
      await echoCheck;
      expect(local).toEqual([{ type: 'change', change }, { type: 'change', change: { ...change, label: 'staging' } }]);
      expect(heardByOther).toEqual([]);
    } finally {
      await Promise.all([busA.close(), busB.close(), busOther.close()]);
    }
  });

  it('reconnects a dropped listener, announces a resync, and hears changes again', async () => {
    const errors: Error[] = [];
    const busA = new PostgresChangeBus({ url: schema.url, store: a, reconnectMs: 10 });
    const busB = new PostgresChangeBus({ url: schema.url, store: b, reconnectMs: 10, onError: (e) => errors.push(e) });
    try {
      await Promise.all([busA.ready(), busB.ready()]);
      const resync = nextEvent(busB, (e) => e.type === 'resync');
      busB.dropConnection();
      await resync;
      expect(errors.map((e) => e.message)).toContain('connection dropped (test)');
      const remote = nextEvent(busB, (e) => e.type === 'change');
      await busA.publish(change);
      expect(await remote).toEqual({ type: 'change', change });
    } finally {
      await Promise.all([busA.close(), busB.close()]);
    }
  });
});

describe.skipIf(!TEST_REDIS_URL)('RedisChangeBus', () => {
  let c1: RedisClient;
  let c2: RedisClient;
  beforeAll(async () => {
    c1 = await connectRedis(TEST_REDIS_URL!);
    c2 = await connectRedis(TEST_REDIS_URL!);
  });
  afterAll(() => {
    c1?.destroy();
    c2?.destroy();
  });

  it('carries a change between replicas sharing a prefix, and not to another prefix', async () => {
    const prefix = randomRedisPrefix('bus');
    const busA = new RedisChangeBus({ client: c1, prefix });
    const busB = new RedisChangeBus({ client: c2, prefix });
    const busOther = new RedisChangeBus({ client: c2, prefix: randomRedisPrefix('bus') });
    try {
      await Promise.all([busA.ready(), busB.ready(), busOther.ready()]);
      const heardByOther: PromptBusEvent[] = [];
      busOther.subscribe((e) => heardByOther.push(e));
      const remote = nextEvent(busB);
      await busA.publish(change);
      expect(await remote).toEqual({ type: 'change', change });
      const back = nextEvent(busA);
      await busB.publish({ ...change, label: 'canary' });
      expect(await back).toEqual({ type: 'change', change: { ...change, label: 'canary' } });
      expect(heardByOther).toEqual([]);
    } finally {
      await Promise.all([busA.close(), busB.close(), busOther.close()]);
    }
  });
});
