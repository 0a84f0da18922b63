import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listInvocations } from '../../src/store/index.js';
import type { SimulatorHandle } from '../../src/load/simulator/index.js';
import { startBedrockSimulator } from '../helpers/bedrock-sim.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// The gateway, the Bedrock provider (real AWS SDK v3) and the Bedrock-protocol simulator, end to end,
// driven by the `openai` npm SDK against Strata's HTTP server.
const SONNET = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';
const SONNET_EU = 'eu.anthropic.claude-3-5-sonnet-20241022-v2:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

let sim: SimulatorHandle;
let strata: RunningStrata | undefined;

beforeAll(async () => {
  sim = await startBedrockSimulator();
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await strata?.close();
  strata = undefined;
  sim.update({ fail: {}, failNext: {}, onlyModels: null, latencyMs: 0, streamChunkDelayMs: 0, answer: { mode: 'echo' } });
  sim.reset();
});

function config(route: string): string {
  return `
models:
  sonnet: { provider: bedrock, id: ${SONNET}, region: us-east-1, endpoint: "${sim.url}", equivalents: [sonnet-eu] }
  sonnet-eu: { provider: bedrock, id: ${SONNET_EU}, region: eu-west-1, endpoint: "${sim.url}" }
  haiku: { provider: bedrock, id: ${HAIKU}, region: us-east-1, endpoint: "${sim.url}" }
routes:
  support:
${route}
breaker: { failureRatio: 0.5, minRequests: 4, windowMs: 60000, openMs: 60000, halfOpenMaxProbes: 1 }
`;
}
const DEFAULT_ROUTE = `    models: [sonnet, haiku]
    retry: { maxAttempts: 3, baseMs: 5, capMs: 20 }
    attemptTimeoutMs: 5000
    deadlineMs: 20000`;

async function start(route = DEFAULT_ROUTE): Promise<OpenAI> {
  strata = await startStrataServer(config(route));
  return new OpenAI({ baseURL: `${strata.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}

const ask = [{ role: 'user' as const, content: 'Please repeat: the gateway works' }];

async function records() {
  await strata!.strata.writer.flush();
  return listInvocations(strata!.strata.store, { limit: 100 });
}

describe('gateway → Bedrock provider → simulator', () => {
  it('Converse: answers through the primary model with usage and a system prompt', async () => {
    const client = await start();
    sim.update({ answer: { mode: 'echo' } });
    const { data, response } = await client.chat.completions
      .create({ model: 'support', messages: [{ role: 'system', content: 'Be brief.' }, ...ask] })
      .withResponse();
    expect(data.choices[0]!.message.content).toContain('the gateway works');
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-strata-model')).toBe('sonnet');
    expect(sim.counts()[SONNET]!.requests).toBe(1);
  });

  it('ConverseStream: streams text deltas and usage', async () => {
    const client = await start();
    sim.update({ answer: { mode: 'canned', text: 'one two three four five six seven eight nine ten' } });
    const stream = await client.chat.completions.create({ model: 'support', messages: ask, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) {
      if (c.usage) usage = c.usage;
      const d = c.choices[0]?.delta.content;
      if (d) {
        text += d;
        chunks++;
      }
    }
    expect(text).toBe('one two three four five six seven eight nine ten');
    expect(chunks).toBeGreaterThan(1);
    expect(usage!.completion_tokens).toBeGreaterThan(5);
  });

  it('passes tool use through both ways: tool_calls out, tool results back in', async () => {
    const client = await start();
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
    ];
    const first = await client.chat.completions.create({ model: 'support', messages: [{ role: 'user', content: 'Please call tool get_weather for Paris' }], tools });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe('function');
    if (call.type !== 'function') return;
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toHaveProperty('city');
    const second = await client.chat.completions.create({
      model: 'support',
      tools,
      messages: [
        { role: 'user', content: 'Please call tool get_weather for Paris' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'Sunny, 21 degrees' },
      ],
    });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toContain('Sunny, 21 degrees');
  });

  it('a throttling storm on the primary is answered by the fallback; attempts and fallback are recorded', async () => {
    const client = await start();
    sim.update({ fail: { ThrottlingException: 1 }, onlyModels: [SONNET] });
    const { data, response } = await client.chat.completions.create({ model: 'support', messages: ask }).withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(response.headers.get('x-strata-model')).toBe('haiku');
    expect(response.headers.get('x-strata-attempts')).toBe('4');
    expect(sim.counts()[SONNET]!.throttled).toBe(3);
    const [rec] = await records();
    expect(rec).toMatchObject({ modelRequested: 'support', modelAnswered: 'haiku', attempts: 4, fallbacks: 1, status: 'ok', providerModelId: HAIKU });
  });

  it('a critical request falls back only to the equivalent model', async () => {
    const client = await start();
    sim.update({ fail: { ThrottlingException: 1 }, onlyModels: [SONNET] });
    const r = await fetch(`${strata!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-strata-priority': 'critical' },
      body: JSON.stringify({ model: 'support', messages: ask }),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-strata-model')).toBe('sonnet-eu');
    expect(sim.counts()[HAIKU]).toBeUndefined();
    void client;
  });

  it('two 503s then success: one answer after 3 attempts', async () => {
    const client = await start();
    sim.update({ failNext: { ServiceUnavailableException: 2 }, onlyModels: [SONNET] });
    const { response } = await client.chat.completions.create({ model: 'support', messages: ask }).withResponse();
    expect(response.headers.get('x-strata-attempts')).toBe('3');
    expect(response.headers.get('x-strata-model')).toBe('sonnet');
    expect(sim.counts()[SONNET]).toMatchObject({ requests: 3, failed: 2, ok: 1 });
  });

  it('the breaker opens after repeated failures and the model is skipped', async () => {
    const client = await start(`    models: [sonnet, haiku]
    retry: { maxAttempts: 1, baseMs: 5, capMs: 20 }
    attemptTimeoutMs: 5000`);
    sim.update({ fail: { ServiceUnavailableException: 1 }, onlyModels: [SONNET] });
    for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: 'support', messages: ask });
    expect(sim.counts()[SONNET]!.requests).toBe(4);
    const { response } = await client.chat.completions.create({ model: 'support', messages: ask }).withResponse();
    expect(response.headers.get('x-strata-model')).toBe('haiku');
    expect(response.headers.get('x-strata-attempts')).toBe('1');
    expect(sim.counts()[SONNET]!.requests).toBe(4); // skipped without a call
    const metrics = await (await fetch(`${strata!.url}/metrics`)).text();
    expect(metrics).toContain('strata_circuit_breaker_state{model="sonnet"} 2');
  });

  it('an exception after the first streamed token ends the stream with an error event and no hidden retry', async () => {
    const client = await start();
    sim.update({ fail: { MidStreamException: 1 }, onlyModels: [SONNET], answer: { mode: 'canned', text: 'alpha beta gamma delta epsilon zeta eta theta' } });
    const stream = await client.chat.completions.create({ model: 'support', messages: ask, stream: true });
    let text = '';
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(text.length).toBeGreaterThan(0);
    expect(sim.counts()[SONNET]!.requests).toBe(1);
    expect(sim.counts()[HAIKU]).toBeUndefined();
    const [rec] = await records();
    expect(rec).toMatchObject({ status: 'error', stream: true, attempts: 1 });
  });

  it('a hang hits the attempt timeout, then the fallback answers', async () => {
    const client = await start(`    models: [sonnet, haiku]
    retry: { maxAttempts: 1, baseMs: 5, capMs: 20 }
    attemptTimeoutMs: 300`);
    sim.update({ fail: { Hang: 1 }, onlyModels: [SONNET] });
    const { response } = await client.chat.completions.create({ model: 'support', messages: ask }).withResponse();
    expect(response.headers.get('x-strata-model')).toBe('haiku');
    const [rec] = await records();
    expect(rec).toMatchObject({ attempts: 2, fallbacks: 1, modelAnswered: 'haiku' });
  });

  it('ValidationException → 400 with no retry and no fallback', async () => {
    const client = await start();
    sim.update({ failNext: { ValidationException: 1 }, onlyModels: [SONNET] });
    const err = await client.chat.completions.create({ model: 'support', messages: ask }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'upstream_invalid_request' });
    expect(sim.counts()[SONNET]!.requests).toBe(1);
    expect(sim.counts()[HAIKU]).toBeUndefined();
  });

  it('still throttled after every fallback → 429 with Retry-After', async () => {
    await start();
    sim.update({ fail: { ThrottlingException: 1 } });
    const r = await fetch(`${strata!.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'support', messages: ask }) });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await r.json()).toMatchObject({ error: { code: 'upstream_throttled', type: 'rate_limit_error' } });
  });

  it('upstream down → 503; unreachable upstream → 502', async () => {
    await start();
    sim.update({ fail: { ServiceUnavailableException: 1 } });
    const down = await fetch(`${strata!.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'support', messages: ask }) });
    expect(down.status).toBe(503);
    await strata!.close();
    strata = await startStrataServer(`
models:
  gone: { provider: bedrock, id: ${HAIKU}, region: us-east-1, endpoint: "http://127.0.0.1:9" }
routes:
  r: { models: [gone], retry: { maxAttempts: 2, baseMs: 1, capMs: 2 }, attemptTimeoutMs: 2000 }
`);
    const unreachable = await fetch(`${strata.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', messages: ask }) });
    expect(unreachable.status).toBe(502);
    expect(await unreachable.json()).toMatchObject({ error: { code: 'upstream_connection' } });
  });

  it('the route deadline → 504', async () => {
    await start(`    models: [sonnet]
    retry: { maxAttempts: 3, baseMs: 5, capMs: 20 }
    attemptTimeoutMs: 5000
    deadlineMs: 300`);
    sim.update({ fail: { Hang: 1 } });
    const r = await fetch(`${strata!.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'support', messages: ask }) });
    expect(r.status).toBe(504);
    expect(await r.json()).toMatchObject({ error: { code: 'deadline_exceeded' } });
  });
});
