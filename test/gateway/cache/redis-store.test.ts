import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRedis, type RedisClient } from '../../../src/store/index.js';
import { RedisResponseCache, type CachedAnswer } from '../../../src/gateway/cache/index.js';
import { TEST_REDIS_URL, randomRedisPrefix, testRedis } from '../../helpers/redis.js';

const T0 = 1_700_000_000_000;

function answer(text: string): CachedAnswer {
  return {
    result: {
      text,
      toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' }],
      finishReason: 'tool_calls',
      usage: { inputTokens: 40, outputTokens: 9, cacheReadTokens: 2, cacheWriteTokens: 0 },
      modelId: 'gpt-4o-mini',
    },
    model: 'mini',
    provider: 'openai',
    providerModelId: 'gpt-4o-mini',
    storedAt: T0,
  };
}

describe('RedisResponseCache without a server', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('treats a command that does not answer in time as a miss and reports it', async () => {
    // a connected client whose server does not answer: commands never settle
    const hanging = { isReady: true, get: () => new Promise(() => undefined), set: () => new Promise(() => undefined) };
    const errors: Error[] = [];
    const cache = new RedisResponseCache(hanging as unknown as RedisClient, { prefix: 'p:', timeoutMs: 20, writeDelayMs: 0, onError: (e) => errors.push(e) });
    vi.useFakeTimers();
    const got = cache.get('k', T0);
    const set = cache.set('k', answer('a'), 1_000, T0);
    await vi.advanceTimersByTimeAsync(19);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await got).toBeUndefined();
    await expect(set).resolves.toBeUndefined();
    expect(errors.map((e) => e.message)).toEqual([
      'Redis response cache get timed out after 20 ms',
      'Redis response cache set timed out after 20 ms',
    ]);
  });

  it('a batch of stores that does not answer in time is reported once, and every store in it settles', async () => {
    const hanging = { isReady: true, get: () => new Promise(() => undefined), evalSha: () => new Promise(() => undefined) };
    const errors: Error[] = [];
    const cache = new RedisResponseCache(hanging as unknown as RedisClient, { prefix: 'p:', timeoutMs: 20, writeDelayMs: 5, onError: (e) => errors.push(e) });
    vi.useFakeTimers();
    const sets = [cache.set('a', answer('a'), 1_000, T0), cache.set('b', answer('b'), 1_000, T0)];
    // written after the 5 ms delay, given up 20 ms later
    await vi.advanceTimersByTimeAsync(24);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await expect(Promise.all(sets)).resolves.toEqual([undefined, undefined]);
    expect(errors.map((e) => e.message)).toEqual(['Redis response cache set timed out after 20 ms']);
  });

  it('flush() also waits for a batch already on its way', async () => {
    let reply: (() => void) | undefined;
    const slow = { isReady: true, evalSha: () => new Promise((resolve) => (reply = () => resolve(1))) };
    const cache = new RedisResponseCache(slow as unknown as RedisClient, { prefix: 'p:', writeDelayMs: 600_000, maxBatch: 1, timeoutMs: 60_000 });
    // a full batch is sent at once: nothing is pending afterwards, but its reply has not come
    const stored = cache.set('k', answer('a'), 1_000, T0);
    expect(reply).toBeDefined();
    let flushed = false;
    const flushing = cache.flush().then(() => (flushed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(flushed).toBe(false);
    reply!();
    await flushing;
    await stored;
    expect(flushed).toBe(true);
  });

  it('refuses a negative write delay or an empty batch bound', () => {
    const client = { isReady: true } as unknown as RedisClient;
    expect(() => new RedisResponseCache(client, { prefix: 'p:', writeDelayMs: -1 })).toThrow(/writeDelayMs must be a finite number >= 0, got -1/);
    expect(() => new RedisResponseCache(client, { prefix: 'p:', maxBatch: 0 })).toThrow(/maxBatch must be a whole number >= 1, got 0/);
    expect(() => new RedisResponseCache(client, { prefix: 'p:', maxBatchChars: 0 })).toThrow(/maxBatchChars must be >= 1, got 0/);
  });

  it('treats a client that is not ready (reconnecting) as a miss at once, sending nothing', async () => {
    const sent: string[] = [];
    const reconnecting = { isReady: false, get: (k: string) => (sent.push(k), new Promise(() => undefined)), set: (k: string) => (sent.push(k), new Promise(() => undefined)) };
    const errors: Error[] = [];
    const cache = new RedisResponseCache(reconnecting as unknown as RedisClient, { prefix: 'p:', timeoutMs: 60_000, onError: (e) => errors.push(e) });
    expect(await cache.get('k', T0)).toBeUndefined();
    await cache.set('k', answer('a'), 1_000, T0);
    expect(sent).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([
      'Redis response cache get skipped: the connection is not ready',
      'Redis response cache set skipped: the connection is not ready',
    ]);
  });

  it('survives an onError callback that throws', async () => {
    const failing = { isReady: true, get: () => Promise.reject(new Error('boom')) };
    const cache = new RedisResponseCache(failing as unknown as RedisClient, {
      prefix: 'p:',
      onError: () => {
        throw new Error('metrics exploded');
      },
    });
    expect(await cache.get('k', T0)).toBeUndefined();
  });
});

describe.skipIf(!TEST_REDIS_URL)('RedisResponseCache', () => {
  const prefix = randomRedisPrefix('response-cache');
  let redis: Awaited<ReturnType<typeof testRedis>>;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await testRedis(TEST_REDIS_URL!, prefix);
    client = redis.client;
  });
  afterAll(async () => {
    await redis.cleanup();
  });

  it('round-trips an answer under the prefix', async () => {
    const cache = new RedisResponseCache(client, { prefix });
    expect(cache.kind).toBe('redis');
    await cache.set('k1', answer('hello'), 60_000, T0);
    expect(await cache.get('k1', T0)).toEqual(answer('hello'));
    expect(await client.exists(`${prefix}k1`)).toBe(1);
    expect(await cache.get('absent', T0)).toBeUndefined();
  });

  it('sets a PX expiry of the TTL, and a key Redis has expired is a miss', async () => {
    const cache = new RedisResponseCache(client, { prefix });
    await cache.set('ttl', answer('short'), 30, T0);
    const pttl = await client.pTTL(`${prefix}ttl`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(30);
    // an expiry time already in the past makes Redis drop the key now, without waiting
    await client.pExpireAt(`${prefix}ttl`, 1);
    expect(await cache.get('ttl', T0)).toBeUndefined();
  });

  it('rounds a fractional TTL up and ignores a non-positive one', async () => {
    const cache = new RedisResponseCache(client, { prefix });
    await cache.set('frac', answer('f'), 0.4, T0);
    expect(await client.pTTL(`${prefix}frac`)).toBeLessThanOrEqual(1);
    await cache.set('zero', answer('z'), 0, T0);
    expect(await client.exists(`${prefix}zero`)).toBe(0);
  });

  it('keeps caches with different prefixes apart', async () => {
    const a = new RedisResponseCache(client, { prefix: `${prefix}a:` });
    const b = new RedisResponseCache(client, { prefix: `${prefix}b:` });
    await a.set('same-key', answer('from a'), 60_000, T0);
    expect(await b.get('same-key', T0)).toBeUndefined();
    expect((await a.get('same-key', T0))!.result.text).toBe('from a');
  });

  it('treats an unreadable entry as a miss and reports it', async () => {
    const errors: Error[] = [];
    const cache = new RedisResponseCache(client, { prefix, onError: (e) => errors.push(e) });
    await client.set(`${prefix}garbage`, 'not json');
    await client.set(`${prefix}wrong-shape`, JSON.stringify({ result: { text: 1 } }));
    expect(await cache.get('garbage', T0)).toBeUndefined();
    expect(await cache.get('wrong-shape', T0)).toBeUndefined();
    expect(errors).toHaveLength(2);
  });

  /** the test client, with the methods named in `replace` swapped for the given ones */
  const through = (replace: Partial<Record<'set' | 'evalSha', (...args: unknown[]) => unknown>>): RedisClient =>
    new Proxy(client, {
      get(target, name) {
        const swapped = name === 'set' || name === 'evalSha' ? replace[name] : undefined;
        if (swapped) return swapped;
        const v: unknown = Reflect.get(target, name);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });

  /** the test client, counting the SETs and script calls sent through it */
  const counting = (): { client: RedisClient; sent: { set: number; evalSha: number } } => {
    const sent = { set: 0, evalSha: 0 };
    const count = (name: 'set' | 'evalSha') => (...args: unknown[]) => {
      sent[name]++;
      return (client[name] as (...a: unknown[]) => unknown).apply(client, args);
    };
    return { client: through({ set: count('set'), evalSha: count('evalSha') }), sent };
  };

  it('writes the stores of one write delay together in one script call, each with its own expiry', async () => {
    const { client: c, sent } = counting();
    const cache = new RedisResponseCache(c, { prefix, writeDelayMs: 20 });
    await Promise.all([cache.set('b1', answer('one'), 60_000, T0), cache.set('b2', answer('two'), 30_000, T0), cache.set('b3', answer('three'), 60_000, T0)]);
    expect(sent).toEqual({ set: 0, evalSha: 1 });
    expect((await cache.get('b2', T0))!.result.text).toBe('two');
    expect(await client.exists([`${prefix}b1`, `${prefix}b2`, `${prefix}b3`])).toBe(3);
    const b2 = await client.pTTL(`${prefix}b2`);
    expect(b2).toBeGreaterThan(0);
    expect(b2).toBeLessThanOrEqual(30_000);
    expect(await client.pTTL(`${prefix}b1`)).toBeGreaterThan(30_000);
  });

  it("counts an entry's expiry from when it was stored, not from when its batch was written", async () => {
    const cache = new RedisResponseCache(client, { prefix, writeDelayMs: 300 });
    await cache.set('late', answer('late'), 1_000, T0);
    // the batch waited ~300 ms, which the PX leaves out
    expect(await client.pTTL(`${prefix}late`)).toBeLessThanOrEqual(750);
  });

  it('writes a batch as soon as it holds maxBatch entries', async () => {
    const { client: c, sent } = counting();
    const cache = new RedisResponseCache(c, { prefix, writeDelayMs: 600_000, maxBatch: 2 });
    await Promise.all([cache.set('m1', answer('1'), 60_000, T0), cache.set('m2', answer('2'), 60_000, T0)]);
    expect(sent.evalSha).toBe(1);
    expect(await client.exists([`${prefix}m1`, `${prefix}m2`])).toBe(2);
  });

  it('writes a batch as soon as its entries hold maxBatchChars characters of JSON', async () => {
    const { client: c, sent } = counting();
    const cache = new RedisResponseCache(c, { prefix, writeDelayMs: 600_000, maxBatchChars: 1000 });
    const small = cache.set('c1', answer('short'), 60_000, T0);
    expect(sent.evalSha).toBe(0);
    await Promise.all([small, cache.set('c2', answer('x'.repeat(1000)), 60_000, T0)]);
    expect(sent.evalSha).toBe(1);
    expect(await client.exists([`${prefix}c1`, `${prefix}c2`])).toBe(2);
  });

  it('sees its own pending stores at once; flush() and close() write them', async () => {
    const cache = new RedisResponseCache(client, { prefix, writeDelayMs: 600_000 });
    const stored = cache.set('own', answer('mine'), 60_000, T0);
    expect((await cache.get('own', T0))!.result.text).toBe('mine');
    expect(await client.exists(`${prefix}own`)).toBe(0);
    await cache.flush();
    await stored;
    expect(await client.exists(`${prefix}own`)).toBe(1);
    void cache.set('at-close', answer('last'), 60_000, T0);
    await cache.close();
    expect(await client.exists(`${prefix}at-close`)).toBe(1);
  });

  it('with writeDelayMs 0, stores each entry with its own SET', async () => {
    const { client: c, sent } = counting();
    const cache = new RedisResponseCache(c, { prefix, writeDelayMs: 0 });
    await cache.set('direct', answer('direct'), 60_000, T0);
    expect(sent).toEqual({ set: 1, evalSha: 0 });
    expect(await client.exists(`${prefix}direct`)).toBe(1);
  });

  it('a failed batch is reported once and its stores still settle', async () => {
    const errors: Error[] = [];
    const failing = through({ evalSha: () => Promise.reject(new Error('READONLY You cannot write against a read only replica.')) });
    const cache = new RedisResponseCache(failing, { prefix, writeDelayMs: 5, onError: (e) => errors.push(e) });
    await expect(Promise.all([cache.set('f1', answer('1'), 60_000, T0), cache.set('f2', answer('2'), 60_000, T0)])).resolves.toEqual([undefined, undefined]);
    expect(errors.map((e) => e.message)).toEqual(['READONLY You cannot write against a read only replica.']);
    expect(await client.exists([`${prefix}f1`, `${prefix}f2`])).toBe(0);
  });

  it('with a closed client, get is a miss, set does not throw, and both are reported', async () => {
    const broken = await connectRedis(TEST_REDIS_URL!);
    broken.destroy();
    const errors: Error[] = [];
    const cache = new RedisResponseCache(broken, { prefix, onError: (e) => errors.push(e) });
    expect(await cache.get('k1', T0)).toBeUndefined();
    await expect(cache.set('k9', answer('lost'), 60_000, T0)).resolves.toBeUndefined();
    expect(errors).toHaveLength(2);
    expect(await client.exists(`${prefix}k9`)).toBe(0);
  });
});
