import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/load/simulator/index.js';
import { GatedUpstream, watchGatewayEntries } from '../helpers/gated-upstream.js';
import { TEST_REDIS_URL, randomRedisPrefix, testRedis } from '../helpers/redis.js';
import { spawnServe, type ServeProcess } from '../helpers/spawn-strata.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// The same limits with Redis as the store (STRATA_REDIS_URL), and the point of it: replicas on one
// Redis share one limit, where the embedded default limits each process on its own.

const cleanups: (() => Promise<void>)[] = [];
const gates: GatedUpstream[] = [];
afterEach(async () => {
  // a failed test may leave requests held at a gate: let them finish so the servers can close
  for (const g of gates.splice(0)) g.releaseAll();
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Reply {
  status: number;
  headers: Headers;
  body: { error?: { message: string; type: string; code: string } };
}

async function chat(url: string, model: string, content: string, key?: string): Promise<Reply> {
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Reply['body'] };
}

function expectRateLimited(r: Reply, limit: string): void {
  expect(r.status).toBe(429);
  expect(r.body.error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error' });
  expect(r.body.error!.message).toContain(limit);
  expect(r.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
}

const words = (n: number): string => 'word '.repeat(n).trim();

/** Fires `n` requests at once and counts the statuses; every refusal must be a rate_limited 429. */
async function burst(url: string, n: number): Promise<{ ok: number; limited: number }> {
  const replies = await Promise.all(Array.from({ length: n }, (_, i) => chat(url, 'local', `burst ${i}`)));
  for (const r of replies) if (r.status !== 200) expectRateLimited(r, "tenant 'default' requests/minute (20)");
  const ok = replies.filter((r) => r.status === 200).length;
  return { ok, limited: n - ok };
}

/** Requests a bucket of `rpm` may admit over `elapsedMs`: its capacity plus what refilled meanwhile. */
function admissible(rpm: number, elapsedMs: number): number {
  return rpm + Math.floor((elapsedMs * rpm) / 60_000);
}

const SHARED_LIMIT = 'limits:\n  tenants:\n    default: { rpm: 20 }\n';

describe('the embedded default does not share limits between processes', () => {
  it('two servers without Redis each admit the full 20 requests/minute', async () => {
    const servers = await Promise.all([startStrataServer(SHARED_LIMIT), startStrataServer(SHARED_LIMIT)]);
    cleanups.push(async () => void (await Promise.all(servers.map((s) => s.close()))));
    const started = Date.now();
    const results = await Promise.all(servers.map((s) => burst(s.url, 30)));
    const allowed = admissible(20, Date.now() - started);
    for (const r of results) {
      expect(r.ok).toBeGreaterThanOrEqual(20);
      expect(r.ok).toBeLessThanOrEqual(allowed);
    }
    // together they let through far more than one shared limit would
    expect(results[0]!.ok + results[1]!.ok).toBeGreaterThan(allowed);
  });
});

describe.skipIf(!TEST_REDIS_URL)('limits on Redis', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startSimulator({ protocol: 'openai', host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  /** A server on Redis under a fresh prefix whose keys are deleted after the test. */
  async function serveOnRedis(yaml: string, prefix: string, auth = false): Promise<RunningStrata> {
    const s = await startStrataServer(yaml, { STRATA_REDIS_URL: TEST_REDIS_URL, STRATA_REDIS_PREFIX: prefix }, { auth });
    cleanups.push(() => s.close());
    return s;
  }

  async function redisFor(prefix: string) {
    const r = await testRedis(TEST_REDIS_URL!, prefix);
    cleanups.push(() => r.cleanup());
    return r.client;
  }

  it('tenant rpm and tpm are kept in Redis under STRATA_REDIS_PREFIX', async () => {
    const prefix = randomRedisPrefix('limits');
    const redis = await redisFor(prefix);
    const s = await serveOnRedis('limits:\n  tenants:\n    acme: { rpm: 2 }\n    bulk: { tpm: 300 }\n', prefix, true);
    const acme = (await s.strata.keys.create({ tenant: 'acme', role: 'invoker' })).key;
    const bulk = (await s.strata.keys.create({ tenant: 'bulk', role: 'invoker' })).key;
    expect((await chat(s.url, 'local', 'one', acme)).status).toBe(200);
    expect((await chat(s.url, 'local', 'two', acme)).status).toBe(200);
    expectRateLimited(await chat(s.url, 'local', 'three', acme), "tenant 'acme' requests/minute (2)");
    expect((await chat(s.url, 'local', words(200), bulk)).status).toBe(200);
    expectRateLimited(await chat(s.url, 'local', words(200), bulk), "tenant 'bulk' tokens/minute (300)");
    const impossible = await chat(s.url, 'local', words(400), bulk);
    expect(impossible.status).toBe(400);
    expect(impossible.body.error!.message).toContain('can never be admitted');
    expect(await redis.exists(`${prefix}limits:rate:t:acme:rpm`)).toBe(1);
    expect(await redis.exists(`${prefix}limits:rate:t:bulk:tpm`)).toBe(1);
  });

  it('key rpm and model rpm (with fallback) on Redis', async () => {
    const prefix = randomRedisPrefix('limits');
    await redisFor(prefix);
    const s = await serveOnRedis(
      `
models:
  a: { provider: local, id: extractive, limits: { rpm: 1 } }
  b: { provider: local, id: extractive }
routes:
  chain: { models: [a, b] }
limits:
  keys: { rpm: 2 }
`,
      prefix,
      true,
    );
    const { key, info } = await s.strata.keys.create({ tenant: 'acme', role: 'invoker' });
    const first = await chat(s.url, 'chain', 'first', key);
    expect(first.headers.get('x-strata-model')).toBe('a');
    const second = await chat(s.url, 'chain', 'second', key);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-strata-model')).toBe('b');
    expectRateLimited(await chat(s.url, 'chain', 'third', key), `API key ${info.id} requests/minute (2)`);
    expectRateLimited(await chat(s.url, 'a', 'direct', s.adminKey), "model 'a' requests/minute (1)");
  });

  it('a model concurrency slot is shared by two servers on one Redis', async () => {
    const prefix = randomRedisPrefix('limits');
    await redisFor(prefix);
    const up = await GatedUpstream.start(sim.url);
    gates.push(up);
    cleanups.push(() => up.close());
    const yaml = `
models:
  slow: { provider: openai, id: sim-model, endpoint: "${up.url}/v1", limits: { concurrency: 1 } }
routes:
  slow: { models: [slow], retry: { maxAttempts: 1 } }
limits:
  queue: { maxWaitMs: 300, maxQueue: 10 }
`;
    const [s1, s2] = await Promise.all([serveOnRedis(yaml, prefix), serveOnRedis(yaml, prefix)]);
    const first = chat(s1.url, 'slow', 'first');
    const held = await up.next();
    // the other server sees the slot taken in Redis: it waits its maxWaitMs and gives up
    expectRateLimited(await up.expectNoArrival(chat(s2.url, 'slow', 'elsewhere')), "model 'slow' concurrency (1)");
    expect(up.arrivals).toEqual(['first']);
    held.release();
    expect((await first).status).toBe(200);
    // the slot came back: the other server gets it now
    up.releaseAll();
    expect((await chat(s2.url, 'slow', 'now')).status).toBe(200);
    expect(up.maxInFlight).toBe(1);
  });

  it('a request queued on one server is served once the other server frees the slot', async () => {
    const prefix = randomRedisPrefix('limits');
    await redisFor(prefix);
    const up = await GatedUpstream.start(sim.url);
    gates.push(up);
    cleanups.push(() => up.close());
    const yaml = `
models:
  slow: { provider: openai, id: sim-model, endpoint: "${up.url}/v1", limits: { concurrency: 1 } }
routes:
  slow: { models: [slow], retry: { maxAttempts: 1 } }
limits:
  queue: { maxWaitMs: 30000, maxQueue: 10 }
`;
    const [s1, s2] = await Promise.all([serveOnRedis(yaml, prefix), serveOnRedis(yaml, prefix)]);
    const entries = watchGatewayEntries(s2.strata.gateway);
    const first = chat(s1.url, 'slow', 'first');
    const held = await up.next();
    const waiting = chat(s2.url, 'slow', 'waiting');
    await entries.entered(1);
    held.release();
    expect((await first).status).toBe(200);
    const next = await up.next();
    expect(next.label).toBe('waiting');
    next.release();
    expect((await waiting).status).toBe(200);
    expect(up.maxInFlight).toBe(1);
  });
});

describe.skipIf(!TEST_REDIS_URL)('two strata serve processes on one Redis', () => {
  const prefix = randomRedisPrefix('limits-serve');
  const homes: string[] = [];
  let servers: ServeProcess[] = [];

  beforeAll(async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'strata-limits-cfg-')), 'strata.yaml');
    homes.push(join(config, '..'));
    writeFileSync(config, SHARED_LIMIT);
    const start = (): Promise<ServeProcess> => {
      const home = mkdtempSync(join(tmpdir(), 'strata-limits-'));
      homes.push(home);
      return spawnServe(['--config', config, '--no-auth'], {
        STRATA_HOME: home,
        STRATA_DATABASE_URL: '',
        STRATA_REDIS_URL: TEST_REDIS_URL,
        STRATA_REDIS_PREFIX: prefix,
      });
    };
    servers = await Promise.all([start(), start()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    for (const h of homes) rmSync(h, { recursive: true, force: true });
    if (TEST_REDIS_URL) await (await testRedis(TEST_REDIS_URL, prefix)).cleanup();
  });

  it('never exceed a shared tenant limit together: 2×30 concurrent requests at 20/minute → 20 served in total', async () => {
    const started = Date.now();
    const results = await Promise.all(servers.map((s) => burst(s.url, 30)));
    const total = results[0]!.ok + results[1]!.ok;
    expect(total).toBeGreaterThanOrEqual(20);
    // exactly 20 unless the burst outlasted the 3 s in which the bucket refills one request
    expect(total).toBeLessThanOrEqual(admissible(20, Date.now() - started));
    expect(results[0]!.limited + results[1]!.limited).toBe(60 - total);
  });
});
