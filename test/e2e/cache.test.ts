import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ContentHasher, type ChatResult, type InvocationRecord } from '../../src/core/index.js';
import { Gateway, MemoryResponseCache, ModelCatalog, createCacheStep, outputText, type CatalogConfig } from '../../src/gateway/index.js';
import type { SimulatorHandle } from '../../src/load/simulator/index.js';
import { GatewayMetrics, silentLogger } from '../../src/observe/index.js';
import { getInvocation, type RedisClient } from '../../src/store/index.js';
import { HAIKU, SONNET, SONNET_EU, startBedrockSimulator } from '../helpers/bedrock-sim.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { TEST_REDIS_URL, randomRedisPrefix, testRedis } from '../helpers/redis.js';
import { ScriptedModel } from '../helpers/scripted-model.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// The response cache end to end: the openai SDK → Strata's HTTP server → cache step → Bedrock provider
// (real AWS SDK) → the Bedrock simulator, whose per-model request counts prove whether an upstream call
// happened. The simulator echoes the last user message, so each prompt has its own recognisable answer.

let sim: SimulatorHandle;
const servers: RunningStrata[] = [];

beforeAll(async () => {
  sim = await startBedrockSimulator();
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close();
  sim.update({ answer: { mode: 'echo' }, fail: {}, onlyModels: null });
  sim.reset();
});

function config(extraRoutes = ''): string {
  return `
models:
  sonnet: { provider: bedrock, id: ${SONNET}, region: us-east-1, endpoint: "${sim.url}", equivalents: [sonnet-eu] }
  sonnet-eu: { provider: bedrock, id: ${SONNET_EU}, region: eu-west-1, endpoint: "${sim.url}" }
  haiku: { provider: bedrock, id: ${HAIKU}, region: us-east-1, endpoint: "${sim.url}" }
  embed: { provider: local, id: hash-embed }
routes:
  support:
    models: [sonnet]
    retry: { maxAttempts: 1, baseMs: 1, capMs: 1 }
    cache: { ttlSeconds: 300 }
  forced:
    models: [sonnet]
    retry: { maxAttempts: 1, baseMs: 1, capMs: 1 }
    cache: { ttlSeconds: 300, mode: force }
  plain:
    models: [sonnet]
    retry: { maxAttempts: 1, baseMs: 1, capMs: 1 }
  chain:
    models: [sonnet, haiku]
    retry: { maxAttempts: 1, baseMs: 1, capMs: 1 }
    cache: { ttlSeconds: 300 }
${extraRoutes}`;
}

async function start(yaml = config(), env: NodeJS.ProcessEnv = {}, auth = false): Promise<RunningStrata> {
  const running = await startStrataServer(yaml, env, { auth });
  servers.push(running);
  return running;
}

function client(running: RunningStrata, apiKey = 'unused', headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `${running.url}/v1`, apiKey, maxRetries: 0, defaultHeaders: headers });
}

const sonnetCalls = (): number => sim.counts()[SONNET]?.requests ?? 0;

async function recordOf(running: RunningStrata, response: Response): Promise<InvocationRecord> {
  await running.strata.writer.flush();
  const id = response.headers.get('x-strata-invocation-id');
  expect(id).toBeTruthy();
  const rec = await getInvocation(running.strata.store, id!);
  expect(rec).toBeDefined();
  return rec!;
}

const user = (content: string): OpenAI.ChatCompletionMessageParam[] => [{ role: 'user', content }];

interface StreamRead {
  text: string;
  deltas: number;
  usage?: OpenAI.CompletionUsage;
  finish?: string | null;
  response: Response;
}

async function readStream(c: OpenAI, body: Omit<OpenAI.ChatCompletionCreateParamsStreaming, 'stream'>, opts?: OpenAI.RequestOptions): Promise<StreamRead> {
  const { data: stream, response } = await c.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, opts).withResponse();
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const out: StreamRead = { text: '', deltas: 0, response };
  for await (const chunk of stream) {
    if (chunk.usage) out.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice?.delta.content) {
      out.text += choice.delta.content;
      out.deltas++;
    }
    if (choice?.finish_reason) out.finish = choice.finish_reason;
  }
  return out;
}

describe('response cache through the HTTP server', () => {
  it('a repeated temperature-0 request is a hit: no upstream call, same answer, recorded at cost 0, counted in /metrics', async () => {
    const running = await start();
    const c = client(running);
    const body = { model: 'support', messages: user('Please repeat: the cache remembers this'), temperature: 0 };

    const first = await c.chat.completions.create(body).withResponse();
    expect(first.response.headers.get('x-strata-cache')).toBe('miss');
    expect(sonnetCalls()).toBe(1);
    const missRec = await recordOf(running, first.response);
    expect(missRec).toMatchObject({ cache: 'miss', attempts: 1, status: 'ok' });
    expect(missRec.costUsd).toBeGreaterThan(0);

    const second = await c.chat.completions.create(body).withResponse();
    expect(second.response.headers.get('x-strata-cache')).toBe('hit');
    expect(second.response.headers.get('x-strata-model')).toBe('sonnet');
    expect(second.response.headers.get('x-strata-attempts')).toBe('0');
    expect(sonnetCalls()).toBe(1);
    expect(second.data.choices[0]!.message.content).toBe(first.data.choices[0]!.message.content);
    expect(second.data.choices[0]!.message.content).toContain('the cache remembers this');
    expect(second.data.usage).toEqual(first.data.usage);
    const hitRec = await recordOf(running, second.response);
    expect(hitRec).toMatchObject({ cache: 'hit', costUsd: 0, attempts: 0, status: 'ok', modelAnswered: 'sonnet' });
    expect(hitRec.outputHash).toBe(missRec.outputHash);

    const usage = (await (await fetch(`${running.url}/v1/usage?by=route`)).json()) as { data: { group: { route: string }; cacheHits: number; requests: number }[] };
    expect(usage.data.find((r) => r.group.route === 'support')).toMatchObject({ requests: 2, cacheHits: 1 });

    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toContain('strata_cache_requests_total{route="support",result="miss"} 1');
    expect(metrics).toContain('strata_cache_requests_total{route="support",result="hit"} 1');
    expect(metrics).toContain('strata_cache_hit_ratio{route="support"} 0.5');
  });

  it('keeps tenants apart: the same request from another tenant is a miss', async () => {
    const running = await start(config(), {}, true);
    const acme = (await running.strata.keys.create({ tenant: 'acme', role: 'invoker' })).key;
    const globex = (await running.strata.keys.create({ tenant: 'globex', role: 'invoker' })).key;
    const body = { model: 'support', messages: user('Please repeat: tenant secrets stay put'), temperature: 0 };

    const a1 = await client(running, acme).chat.completions.create(body).withResponse();
    expect(a1.response.headers.get('x-strata-cache')).toBe('miss');
    const g1 = await client(running, globex).chat.completions.create(body).withResponse();
    expect(g1.response.headers.get('x-strata-cache')).toBe('miss');
    expect(sonnetCalls()).toBe(2);
    // each tenant does hit its own entry
    const a2 = await client(running, acme).chat.completions.create(body).withResponse();
    const g2 = await client(running, globex).chat.completions.create(body).withResponse();
    expect([a2.response.headers.get('x-strata-cache'), g2.response.headers.get('x-strata-cache')]).toEqual(['hit', 'hit']);
    expect(sonnetCalls()).toBe(2);
    expect((await recordOf(running, g2.response)).tenant).toBe('globex');
  });

  it('bypasses, refreshes and forces as configured and as the client asks', async () => {
    const running = await start();
    const c = client(running);

    // deterministic mode: temperature other than 0 (or none at all) never touches the cache
    const warm = { model: 'support', messages: user('Please repeat: warm answers vary'), temperature: 0.7 };
    for (let i = 0; i < 2; i++) {
      const r = await c.chat.completions.create(warm).withResponse();
      expect(r.response.headers.get('x-strata-cache')).toBe('bypass');
    }
    const unset = await c.chat.completions.create({ model: 'support', messages: user('Please repeat: warm answers vary') }).withResponse();
    expect(unset.response.headers.get('x-strata-cache')).toBe('bypass');
    expect(sonnetCalls()).toBe(3);
    expect((await recordOf(running, unset.response)).cache).toBe('bypass');

    // no-cache: skips the lookup (upstream is called) but stores the fresh answer
    const cold = { model: 'support', messages: user('Please repeat: cold answers stay'), temperature: 0 };
    await c.chat.completions.create(cold);
    expect(sonnetCalls()).toBe(4);
    sim.update({ answer: { mode: 'canned', text: 'a fresher answer' } });
    const fresh = await c.chat.completions.create(cold, { headers: { 'cache-control': 'no-cache' } }).withResponse();
    expect(fresh.response.headers.get('x-strata-cache')).toBe('miss');
    expect(fresh.data.choices[0]!.message.content).toBe('a fresher answer');
    expect(sonnetCalls()).toBe(5);
    const after = await c.chat.completions.create(cold).withResponse();
    expect(after.response.headers.get('x-strata-cache')).toBe('hit');
    expect(after.data.choices[0]!.message.content).toBe('a fresher answer');
    expect(sonnetCalls()).toBe(5);

    // no-store: neither read nor written
    const hidden = { model: 'support', messages: user('Please repeat: never kept'), temperature: 0 };
    const ns = await c.chat.completions.create(hidden, { headers: { 'cache-control': 'no-store' } }).withResponse();
    expect(ns.response.headers.get('x-strata-cache')).toBe('bypass');
    expect(sonnetCalls()).toBe(6);
    const afterNoStore = await c.chat.completions.create(hidden).withResponse();
    expect(afterNoStore.response.headers.get('x-strata-cache')).toBe('miss');
    expect(sonnetCalls()).toBe(7);
    // an existing entry is not served to a no-store request either
    const nsAgain = await c.chat.completions.create(hidden, { headers: { 'cache-control': 'no-store' } }).withResponse();
    expect(nsAgain.response.headers.get('x-strata-cache')).toBe('bypass');
    expect(sonnetCalls()).toBe(8);

    // force mode caches a temperature-0.7 request too
    sim.update({ answer: { mode: 'echo' } });
    const forced = { model: 'forced', messages: user('Please repeat: forced caching'), temperature: 0.7 };
    const f1 = await c.chat.completions.create(forced).withResponse();
    const f2 = await c.chat.completions.create(forced).withResponse();
    expect([f1.response.headers.get('x-strata-cache'), f2.response.headers.get('x-strata-cache')]).toEqual(['miss', 'hit']);
    expect(f2.data.choices[0]!.message.content).toBe(f1.data.choices[0]!.message.content);
    expect(sonnetCalls()).toBe(9);

    // a route without a cache reports bypass and records no cache status
    const p = await c.chat.completions.create({ model: 'plain', messages: user('Please repeat: no cache here'), temperature: 0 }).withResponse();
    expect(p.response.headers.get('x-strata-cache')).toBe('bypass');
    expect((await recordOf(running, p.response)).cache).toBeNull();
  });

  it('replays a non-streamed answer as a proper SSE stream, with the same text and final usage', async () => {
    const running = await start();
    const c = client(running);
    sim.update({ answer: { mode: 'canned', text: 'one two three four five six seven eight nine ten' } });
    const body = { model: 'support', messages: user('count to ten'), temperature: 0 };
    const plain = await c.chat.completions.create(body);
    expect(sonnetCalls()).toBe(1);

    const streamed = await readStream(c, body);
    expect(streamed.response.headers.get('x-strata-cache')).toBe('hit');
    expect(sonnetCalls()).toBe(1);
    expect(streamed.text).toBe(plain.choices[0]!.message.content);
    expect(streamed.deltas).toBeGreaterThan(1);
    expect(streamed.finish).toBe('stop');
    expect(streamed.usage).toEqual(plain.usage);
    const rec = await recordOf(running, streamed.response);
    expect(rec).toMatchObject({ cache: 'hit', costUsd: 0, stream: true, status: 'ok', finishReason: 'stop' });
  });

  it('serves a non-streamed request from an answer that was streamed, and replays it as a stream again', async () => {
    const running = await start();
    const c = client(running);
    sim.update({ answer: { mode: 'canned', text: 'alpha beta gamma delta epsilon zeta eta theta' } });
    const body = { model: 'support', messages: user('list greek letters'), temperature: 0 };
    const live = await readStream(c, body);
    expect(live.response.headers.get('x-strata-cache')).toBe('miss');
    expect(live.text).toBe('alpha beta gamma delta epsilon zeta eta theta');
    expect(sonnetCalls()).toBe(1);

    const { data, response } = await c.chat.completions.create(body).withResponse();
    expect(response.headers.get('x-strata-cache')).toBe('hit');
    expect(data.choices[0]!.message.content).toBe(live.text);
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage).toEqual(live.usage);

    const replayed = await readStream(c, body);
    expect(replayed.response.headers.get('x-strata-cache')).toBe('hit');
    expect(replayed.text).toBe(live.text);
    expect(replayed.usage).toEqual(live.usage);
    expect(sonnetCalls()).toBe(1);
  });

  it("keeps only the route's own model's answers: a fallback model's answer is not stored under the primary's key", async () => {
    const running = await start();
    const c = client(running);
    const body = { model: 'chain', messages: user('Please repeat: during an outage'), temperature: 0 };
    sim.update({ fail: { ThrottlingException: 1 }, onlyModels: [SONNET] });
    const degraded = await c.chat.completions.create(body).withResponse();
    expect([degraded.response.headers.get('x-strata-cache'), degraded.response.headers.get('x-strata-model')]).toEqual(['miss', 'haiku']);
    sim.update({ fail: {}, onlyModels: null });

    // a critical request may only be answered by sonnet or its equivalents, never by haiku's stored answer
    const critical = await c.chat.completions.create(body, { headers: { 'x-strata-priority': 'critical' } }).withResponse();
    expect([critical.response.headers.get('x-strata-cache'), critical.response.headers.get('x-strata-model')]).toEqual(['miss', 'sonnet']);
    // once sonnet has answered, that answer is served
    const normal = await c.chat.completions.create(body).withResponse();
    expect([normal.response.headers.get('x-strata-cache'), normal.response.headers.get('x-strata-model')]).toEqual(['hit', 'sonnet']);

    // an equivalent (the same model in another region) answers for the primary and is kept
    const other = { model: 'chain', messages: user('Please repeat: from another region'), temperature: 0 };
    sim.update({ fail: { ThrottlingException: 1 }, onlyModels: [SONNET] });
    const eu = await c.chat.completions.create(other, { headers: { 'x-strata-priority': 'critical' } }).withResponse();
    expect(eu.response.headers.get('x-strata-model')).toBe('sonnet-eu');
    const euAgain = await c.chat.completions.create(other, { headers: { 'x-strata-priority': 'critical' } }).withResponse();
    expect([euAgain.response.headers.get('x-strata-cache'), euAgain.response.headers.get('x-strata-model')]).toEqual(['hit', 'sonnet-eu']);
    expect(sim.counts()[SONNET_EU]!.requests).toBe(1);
  });

  it('semantic cache: a near-duplicate prompt hits the earlier answer, an unrelated one misses', async () => {
    const running = await start(
      config(`  similar:
    models: [sonnet]
    retry: { maxAttempts: 1, baseMs: 1, capMs: 1 }
    cache: { ttlSeconds: 300, semantic: { embeddingModel: embed, threshold: 0.9, maxEntries: 100 } }`),
    );
    const c = client(running);
    const first = await c.chat.completions.create({ model: 'similar', messages: user('What is the refund policy for annual plans?'), temperature: 0 }).withResponse();
    expect(first.response.headers.get('x-strata-cache')).toBe('miss');

    const near = await c.chat.completions.create({ model: 'similar', messages: user('what is the refund policy for the annual plans'), temperature: 0 }).withResponse();
    expect(near.response.headers.get('x-strata-cache')).toBe('hit');
    // the earlier prompt's answer (the simulator echoes), not a fresh one
    expect(near.data.choices[0]!.message.content).toBe(first.data.choices[0]!.message.content);
    expect(sonnetCalls()).toBe(1);

    const other = await c.chat.completions.create({ model: 'similar', messages: user('How do I reset my router password?'), temperature: 0 }).withResponse();
    expect(other.response.headers.get('x-strata-cache')).toBe('miss');
    expect(other.data.choices[0]!.message.content).toContain('router password');
    expect(sonnetCalls()).toBe(2);

    // the exact-match route does not match near duplicates
    await c.chat.completions.create({ model: 'support', messages: user('What is the refund policy for annual plans?'), temperature: 0 });
    const exactOnly = await c.chat.completions.create({ model: 'support', messages: user('what is the refund policy for the annual plans'), temperature: 0 }).withResponse();
    expect(exactOnly.response.headers.get('x-strata-cache')).toBe('miss');
  });
});

/** The response cache's keys in Redis under a server's prefix. */
async function cacheKeys(redis: RedisClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: `${prefix}cache:*` })) found.push(...batch);
  return found;
}

describe.skipIf(!TEST_REDIS_URL)('response cache on Redis', () => {
  it('two servers sharing one Redis: the second hits what the first stored, with the TTL applied in Redis', async () => {
    const prefix = randomRedisPrefix('cache-e2e');
    const redis = await testRedis(TEST_REDIS_URL!, prefix);
    try {
      const env = { STRATA_REDIS_URL: TEST_REDIS_URL, STRATA_REDIS_PREFIX: prefix };
      const a = await start(config(), env);
      const b = await start(config(), env);
      const body = { model: 'support', messages: user('Please repeat: shared across replicas'), temperature: 0 };
      const first = await client(a).chat.completions.create(body).withResponse();
      expect(first.response.headers.get('x-strata-cache')).toBe('miss');
      // server A sees its own store at once, before the store reaches Redis
      const again = await client(a).chat.completions.create(body).withResponse();
      expect(again.response.headers.get('x-strata-cache')).toBe('hit');
      expect(sonnetCalls()).toBe(1);
      // stores are written behind, in batches (cache.redisWriteDelayMs, 10 ms by default): B can hit once it landed
      await vi.waitFor(async () => expect(await cacheKeys(redis.client, prefix)).toHaveLength(1), { timeout: 5000, interval: 5 });

      const fromB = await client(b).chat.completions.create(body).withResponse();
      expect(fromB.response.headers.get('x-strata-cache')).toBe('hit');
      expect(fromB.data.choices[0]!.message.content).toBe(first.data.choices[0]!.message.content);
      expect(sonnetCalls()).toBe(1);
      const streamed = await readStream(client(b), body);
      expect(streamed.response.headers.get('x-strata-cache')).toBe('hit');
      expect(streamed.text).toBe(first.data.choices[0]!.message.content);

      const keys = await cacheKeys(redis.client, prefix);
      expect(keys).toHaveLength(1);
      const ttl = await redis.client.pTTL(keys[0]!);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300_000);
    } finally {
      while (servers.length > 0) await servers.pop()!.close();
      await redis.cleanup();
    }
  });
});

describe.skipIf(!TEST_REDIS_URL)('response cache on Redis: shutdown', () => {
  it('an orderly shutdown writes the stores still waiting for their batch', async () => {
    const prefix = randomRedisPrefix('cache-close');
    const redis = await testRedis(TEST_REDIS_URL!, prefix);
    try {
      // a long write delay: without the shutdown's flush the answer would never reach Redis
      const running = await startStrataServer(`${config()}cache: { redisWriteDelayMs: 1000 }\n`, { STRATA_REDIS_URL: TEST_REDIS_URL, STRATA_REDIS_PREFIX: prefix }, { auth: false });
      const first = await client(running).chat.completions.create({ model: 'support', messages: user('Please repeat: kept at shutdown'), temperature: 0 }).withResponse();
      expect(first.response.headers.get('x-strata-cache')).toBe('miss');
      expect(await cacheKeys(redis.client, prefix)).toHaveLength(0);
      await running.close();
      expect(await cacheKeys(redis.client, prefix)).toHaveLength(1);
    } finally {
      await redis.cleanup();
    }
  });
});

describe('response cache expiry (gateway level, fake clock)', () => {
  function setup(ttlSeconds: number, hashOutput?: (r: ChatResult) => string) {
    const clock = new FakeClock();
    const model = new ScriptedModel('m-id', [{ ok: 'first answer' }, { ok: 'second answer' }]);
    const config: CatalogConfig = {
      server: { requestDeadlineMs: 5_000 },
      models: { m: { provider: 'scripted', id: 'm-id' } },
      routes: { cached: { models: ['m'], retry: { maxAttempts: 1, baseMs: 1, capMs: 1 }, attemptTimeoutMs: 2_000, cache: { ttlSeconds, mode: 'deterministic' } } },
      breaker: { failureRatio: 0.5, minRequests: 3, windowMs: 60_000, openMs: 60_000, halfOpenMaxProbes: 1 },
    };
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const catalog = new ModelCatalog(config, () => ({ chat: model }), { clock, metrics });
    const records: InvocationRecord[] = [];
    const logger = silentLogger();
    const gateway = new Gateway({ catalog, hasher: new ContentHasher('k'.repeat(32)), logger, metrics, clock, sink: { enqueue: (r) => records.push(r) } }, [
      createCacheStep({ store: new MemoryResponseCache({ maxBytes: 1_000_000 }), catalog, clock, logger, metrics, hashOutput }),
    ]);
    const ask = () => gateway.chat({ model: 'cached', messages: [{ role: 'user', content: 'hello' }], params: { temperature: 0 } });
    return { clock, model, ask, records, gateway };
  }

  it('answers from the cache until ttlSeconds have passed, then asks the model again', async () => {
    const { clock, model, ask, records, gateway } = setup(1);
    expect((await ask()).meta.cache).toBe('miss');
    clock.advance(999);
    const hit = await ask();
    expect(hit.meta.cache).toBe('hit');
    expect(hit.result.text).toBe('first answer');
    expect(model.calls).toBe(1);
    clock.advance(1);
    const expired = await ask();
    expect(expired.meta.cache).toBe('miss');
    expect(expired.result.text).toBe('second answer');
    expect(model.calls).toBe(2);
    // the fresh answer is stored for a new full TTL
    clock.advance(999);
    expect((await ask()).result.text).toBe('second answer');
    expect(model.calls).toBe(2);
    gateway.flushFinished(); // records are handed on after the answer, at the end of the turn
    expect(records.map((r) => r.cache)).toEqual(['miss', 'hit', 'miss', 'hit']);
  });

  it("stores the answer's output hash with it: a hit's record carries the same hash without hashing again", async () => {
    const hasher = new ContentHasher('k'.repeat(32));
    let hashed = 0;
    const hashOutput = (r: ChatResult): string => {
      hashed++;
      return hasher.hash(outputText(r.text, r.toolCalls));
    };
    const { ask, records, gateway } = setup(60, hashOutput);
    await ask();
    await ask();
    await ask();
    gateway.flushFinished();
    expect(records.map((r) => r.cache)).toEqual(['miss', 'hit', 'hit']);
    expect(hashed).toBe(1);
    expect(new Set(records.map((r) => r.outputHash))).toEqual(new Set([hasher.hash(outputText('first answer', []))]));
  });
});
