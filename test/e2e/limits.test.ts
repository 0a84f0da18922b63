import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/load/simulator/index.js';
import { listInvocations } from '../../src/store/index.js';
import { SONNET, startBedrockSimulator } from '../helpers/bedrock-sim.js';
import { GatedUpstream, watchGatewayEntries } from '../helpers/gated-upstream.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// Rate limits, admission control and the adaptive throttle as a user meets them: the real HTTP server
// in-process on the embedded (in-memory) limit stores, the local model and the upstream simulators.

let openaiSim: SimulatorHandle;
const cleanups: (() => Promise<void>)[] = [];
const gates: GatedUpstream[] = [];

beforeAll(async () => {
  openaiSim = await startSimulator({ protocol: 'openai', host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await openaiSim.close();
});
afterEach(async () => {
  // a failed test may leave requests held at a gate: let them finish so the servers can close
  for (const g of gates.splice(0)) g.releaseAll();
  for (const c of cleanups.splice(0).reverse()) await c();
  openaiSim.update({ fail: {}, failNext: {}, latencyMs: 0, answer: { mode: 'echo' } });
  openaiSim.reset();
});

async function serve(yaml: string, auth = false): Promise<RunningStrata> {
  const s = await startStrataServer(yaml, {}, { auth });
  cleanups.push(() => s.close());
  return s;
}

async function gate(): Promise<GatedUpstream> {
  const g = await GatedUpstream.start(openaiSim.url);
  gates.push(g);
  cleanups.push(() => g.close());
  return g;
}

interface Reply {
  status: number;
  headers: Headers;
  body: { error?: { message: string; type: string; code: string }; choices?: { message: { content: string } }[] };
}

async function chat(s: RunningStrata, model: string, content: string, key?: string): Promise<Reply> {
  const r = await fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Reply['body'] };
}

async function invoker(s: RunningStrata, tenant: string): Promise<{ key: string; id: string }> {
  const { key, info } = await s.strata.keys.create({ tenant, role: 'invoker' });
  return { key, id: info.id };
}

/** The value of one sample of /metrics, undefined when the series does not exist. */
async function metric(s: RunningStrata, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A 429 as an OpenAI client sees it: OpenAI error format, code rate_limited, a whole-seconds retry-after. */
function expectRateLimited(r: Reply, limit: string): void {
  expect(r.status).toBe(429);
  expect(r.body.error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error' });
  expect(r.body.error!.message).toContain(limit);
  expect(r.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
}

const words = (n: number): string => 'word '.repeat(n).trim();

describe('tenant and key limits', () => {
  it('tenant rpm: the third request of a tenant at 2 requests/minute gets 429; other tenants are not affected', async () => {
    const s = await serve('limits:\n  tenants:\n    acme: { rpm: 2 }\n', true);
    const acme = await invoker(s, 'acme');
    expect((await chat(s, 'local', 'one', acme.key)).status).toBe(200);
    expect((await chat(s, 'local', 'two', acme.key)).status).toBe(200);
    const third = await chat(s, 'local', 'three', acme.key);
    expectRateLimited(third, "tenant 'acme' requests/minute (2)");
    // one request per 30 s refills: the client is told to come back in about that
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(20);
    expect((await chat(s, 'local', 'other tenant', s.adminKey)).status).toBe(200);
    expect(await metric(s, 'strata_rate_limited_total{scope="tenant",limit="rpm"}')).toBe(1);
  });

  it('embeddings count against the same tenant bucket as chat', async () => {
    const s = await serve('limits:\n  tenants:\n    acme: { rpm: 2 }\n', true);
    const acme = await invoker(s, 'acme');
    const embed = (): Promise<Response> =>
      fetch(`${s.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${acme.key}` },
        body: JSON.stringify({ model: 'hash-embed', input: 'circuit breakers' }),
      });
    expect((await embed()).status).toBe(200);
    expect((await chat(s, 'local', 'one', acme.key)).status).toBe(200);
    const third = await embed();
    expect(third.status).toBe(429);
    expect(third.headers.get('x-strata-invocation-id')).toMatch(/^inv_/);
    expect(((await third.json()) as Reply['body']).error!.message).toContain("tenant 'acme' requests/minute (2)");
  });

  it("tenant '*' gives each tenant its own bucket", async () => {
    const s = await serve("limits:\n  tenants:\n    '*': { rpm: 1 }\n", true);
    const x = await invoker(s, 'x');
    const y = await invoker(s, 'y');
    expect((await chat(s, 'local', 'hi', x.key)).status).toBe(200);
    expect((await chat(s, 'local', 'hi', y.key)).status).toBe(200);
    expectRateLimited(await chat(s, 'local', 'again', x.key), "tenant 'x' requests/minute (1)");
    expectRateLimited(await chat(s, 'local', 'again', y.key), "tenant 'y' requests/minute (1)");
  });

  it('tenant tpm: a long prompt uses up the tokens, the next one is refused naming the token limit', async () => {
    const s = await serve('limits:\n  tenants:\n    acme: { tpm: 300 }\n', true);
    const acme = await invoker(s, 'acme');
    expect((await chat(s, 'local', words(200), acme.key)).status).toBe(200);
    const second = await chat(s, 'local', words(200), acme.key);
    expectRateLimited(second, "tenant 'acme' tokens/minute (300)");
    // a short request still fits in what is left
    expect((await chat(s, 'local', 'short', acme.key)).status).toBe(200);
  });

  it('a very large prompt is estimated at four characters a token (no BPE over a blob on the request path)', async () => {
    const s = await serve('limits:\n  tenants:\n    acme: { tpm: 70000 }\n', true);
    const acme = await invoker(s, 'acme');
    // 300,000 characters without a space: one BPE piece per 64 characters would take seconds; chars/4 = 75,000 > 70,000
    const r = await chat(s, 'local', 'q'.repeat(150_000) + 'z'.repeat(150_000), acme.key);
    expect(r.status).toBe(400);
    expect(r.body.error!.message).toMatch(/needs about 75000 tokens, more than the whole tenant 'acme' tokens\/minute \(70000\)/);
  });

  it('a request estimated above the whole tpm is a 400 that says it can never be admitted', async () => {
    const s = await serve('limits:\n  tenants:\n    acme: { tpm: 300 }\n', true);
    const acme = await invoker(s, 'acme');
    const r = await chat(s, 'local', words(400), acme.key);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'rate_limited', type: 'invalid_request_error' });
    expect(r.body.error!.message).toMatch(/more than the whole tenant 'acme' tokens\/minute \(300\) allows; it can never be admitted/);
    expect(r.headers.get('retry-after')).toBeNull();
    // nothing was taken: a normal request passes
    expect((await chat(s, 'local', words(200), acme.key)).status).toBe(200);
  });

  it('key rpm: each API key has its own bucket, the error names the key', async () => {
    const s = await serve('limits:\n  keys: { rpm: 1 }\n', true);
    const k1 = await invoker(s, 'acme');
    const k2 = await invoker(s, 'acme');
    expect((await chat(s, 'local', 'hi', k1.key)).status).toBe(200);
    expectRateLimited(await chat(s, 'local', 'again', k1.key), `API key ${k1.id} requests/minute (1)`);
    expect((await chat(s, 'local', 'hi', k2.key)).status).toBe(200);
    expect(await metric(s, 'strata_rate_limited_total{scope="key",limit="rpm"}')).toBe(1);
  });

  it('429s reach the openai SDK as RateLimitError with code rate_limited', async () => {
    const s = await serve('limits:\n  tenants:\n    default: { rpm: 1 }\n');
    const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    await client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'hi' }] });
    const err = await client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limited');
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
  });
});

describe('model rpm', () => {
  const yaml = `
models:
  a: { provider: local, id: extractive, limits: { rpm: 1 } }
  b: { provider: local, id: extractive }
routes:
  chain: { models: [a, b] }
`;

  it("a model at its quota hands the request to the chain's next model; the record shows the fallback", async () => {
    const s = await serve(yaml);
    const first = await chat(s, 'chain', 'first');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-strata-model')).toBe('a');
    const second = await chat(s, 'chain', 'second');
    expect(second.status).toBe(200);
    expect(second.headers.get('x-strata-model')).toBe('b');
    await s.strata.writer.flush();
    const [latest] = await listInvocations(s.strata.store, { limit: 1 });
    expect(latest).toMatchObject({ route: 'chain', modelAnswered: 'b', fallbacks: 1, status: 'ok' });
    expect(await metric(s, 'strata_rate_limited_total{scope="model",limit="rpm"}')).toBe(1);
  });

  it('a model alone on its route answers 429 naming its quota', async () => {
    const s = await serve(yaml);
    expect((await chat(s, 'a', 'first')).status).toBe(200);
    expectRateLimited(await chat(s, 'a', 'second'), "model 'a' requests/minute (1)");
    // the other model has its own quota
    expect((await chat(s, 'b', 'first')).status).toBe(200);
  });
});

describe('model concurrency and the admission queue', () => {
  function yaml(upstream: string, queue: string): string {
    return `
models:
  slow: { provider: openai, id: sim-model, endpoint: "${upstream}/v1", limits: { concurrency: 1 } }
routes:
  slow: { models: [slow], retry: { maxAttempts: 1 } }
limits:
  queue: ${queue}
`;
  }

  it('the request over the limit waits in the queue and is sent when the first one finishes', async () => {
    const up = await gate();
    const s = await serve(yaml(up.url, '{ maxWaitMs: 30000, maxQueue: 10 }'));
    const entries = watchGatewayEntries(s.strata.gateway);
    const first = chat(s, 'slow', 'first');
    const held = await up.next();
    const second = chat(s, 'slow', 'second');
    await entries.entered(2);
    expect(up.arrivals).toEqual(['first']);
    held.release();
    expect((await first).status).toBe(200);
    const next = await up.next();
    expect(next.label).toBe('second');
    next.release();
    const r = await second;
    expect(r.status).toBe(200);
    expect(r.body.choices![0]!.message.content).toContain('second');
    expect(up.maxInFlight).toBe(1);
    expect(await metric(s, 'strata_admission_wait_seconds_count{model="slow"}')).toBe(2);
  });

  it('beyond maxWaitMs: 429 with retry-after naming the concurrency limit; the queue goes on, no slot leaks', async () => {
    const up = await gate();
    const s = await serve(yaml(up.url, '{ maxWaitMs: 200, maxQueue: 10 }'));
    const first = chat(s, 'slow', 'first');
    const held = await up.next();
    const late = await up.expectNoArrival(chat(s, 'slow', 'times out'));
    expectRateLimited(late, "model 'slow' concurrency (1)");
    expect(late.body.error!.message).toContain('within 200 ms');
    expect(up.arrivals).toEqual(['first']);
    held.release();
    expect((await first).status).toBe(200);
    // the timed-out waiter left nothing behind: the slot serves the next requests one after the other
    up.releaseAll();
    const [a, b] = await Promise.all([chat(s, 'slow', 'after 1'), chat(s, 'slow', 'after 2')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(up.maxInFlight).toBe(1);
    expect(await metric(s, 'strata_rate_limited_total{scope="model",limit="concurrency"}')).toBeGreaterThanOrEqual(1);
  });

  it('beyond maxQueue: 429 at once, while the slot is still held', async () => {
    const up = await gate();
    const s = await serve(yaml(up.url, '{ maxWaitMs: 30000, maxQueue: 1 }'));
    const entries = watchGatewayEntries(s.strata.gateway);
    const first = chat(s, 'slow', 'first');
    const held = await up.next();
    const queued = chat(s, 'slow', 'queued');
    await entries.entered(2);
    // the slot is held and one caller waits: a third is turned away without waiting for either
    const full = await up.expectNoArrival(chat(s, 'slow', 'one too many'));
    expectRateLimited(full, "model 'slow' concurrency (1)");
    expect(full.body.error!.message).toContain('1 already waiting');
    expect(up.arrivals).toEqual(['first']);
    held.release();
    expect((await first).status).toBe(200);
    (await up.next()).release();
    expect((await queued).status).toBe(200);
    expect(up.arrivals).toEqual(['first', 'queued']);
  });

  it('releases waiting requests in the order they came (FIFO)', async () => {
    const up = await gate();
    const s = await serve(yaml(up.url, '{ maxWaitMs: 30000, maxQueue: 10 }'));
    const entries = watchGatewayEntries(s.strata.gateway);
    const replies = [chat(s, 'slow', 'r0')];
    let held = await up.next();
    for (let i = 1; i <= 5; i++) {
      replies.push(chat(s, 'slow', `r${i}`));
      await entries.entered(i + 1);
    }
    const served: string[] = [];
    for (let i = 1; i <= 5; i++) {
      held.release();
      held = await up.next();
      served.push(held.label);
    }
    held.release();
    expect(served).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect((await Promise.all(replies)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(up.maxInFlight).toBe(1);
  });
});

describe('adaptive throttle against the Bedrock simulator', () => {
  let bedrock: SimulatorHandle;
  beforeAll(async () => {
    bedrock = await startBedrockSimulator();
  });
  afterAll(async () => {
    await bedrock.close();
  });

  it('a ThrottlingException lowers the send rate: strata_adaptive_rate_rpm > 0 and a decrease is counted', async () => {
    const s = await serve(`
models:
  sonnet: { provider: bedrock, id: ${SONNET}, region: us-east-1, endpoint: "${bedrock.url}" }
routes:
  r: { models: [sonnet], retry: { maxAttempts: 1 } }
`);
    expect(await metric(s, 'strata_adaptive_rate_rpm{model="sonnet"}')).toBe(0);
    expect((await chat(s, 'r', 'fine')).status).toBe(200);
    expect(await metric(s, 'strata_adaptive_rate_rpm{model="sonnet"}')).toBe(0);
    bedrock.update({ failNext: { ThrottlingException: 1 } });
    const throttled = await chat(s, 'r', 'throttled');
    expect(throttled.status).toBe(429);
    expect(throttled.body.error!.code).toBe('upstream_throttled');
    const rate = await metric(s, 'strata_adaptive_rate_rpm{model="sonnet"}');
    expect(rate).toBeGreaterThan(0);
    expect(await metric(s, 'strata_adaptive_decreases_total{model="sonnet"}')).toBe(1);
    // the lowered rate still lets the next request through (spacing starts from it)
    expect((await chat(s, 'r', 'after')).status).toBe(200);
  });
});

describe('token reconciliation', () => {
  it("the tenant's tpm is charged with the real input + output: a long answer makes the next request wait", async () => {
    openaiSim.update({ answer: { mode: 'canned', text: words(400) } });
    const s = await serve(`
models:
  sim: { provider: openai, id: sim-model, endpoint: "${openaiSim.url}/v1" }
routes:
  r: { models: [sim], retry: { maxAttempts: 1 } }
limits:
  tenants:
    default: { tpm: 200 }
`);
    // the estimate (a few input tokens) fits easily; the 400-token answer puts the tenant in debt
    const first = await chat(s, 'r', 'tell me a lot');
    expect(first.status).toBe(200);
    const second = await chat(s, 'r', 'and again');
    expectRateLimited(second, "tenant 'default' tokens/minute (200)");
    // the debt (~200 tokens below zero) refills at 200/minute: well over a minute
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(60);
  });

  it("a model's tpm is charged with the real tokens too: the next request falls back", async () => {
    openaiSim.update({ answer: { mode: 'canned', text: words(400) } });
    const s = await serve(`
models:
  sim: { provider: openai, id: sim-model, endpoint: "${openaiSim.url}/v1", limits: { tpm: 200 } }
  spare: { provider: local, id: extractive }
routes:
  r: { models: [sim, spare], retry: { maxAttempts: 1 } }
`);
    const first = await chat(s, 'r', 'tell me a lot');
    expect(first.headers.get('x-strata-model')).toBe('sim');
    const second = await chat(s, 'r', 'and again');
    expect(second.status).toBe(200);
    expect(second.headers.get('x-strata-model')).toBe('spare');
  });
});
