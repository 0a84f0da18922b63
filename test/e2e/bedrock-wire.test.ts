import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  ModelStreamErrorException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
  type Message,
  type Tool,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/load/simulator/index.js';
import { startBedrockSimulator } from '../helpers/bedrock-sim.js';
import { listInvocations } from '../../src/store/index.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// Strata serving the Bedrock Runtime wire protocol, driven by the real, unchanged BedrockRuntimeClient.
// Upstream Bedrock models are the Bedrock-protocol simulator.
const SONNET = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

let sim: SimulatorHandle;
let strata: RunningStrata;
let client: BedrockRuntimeClient;

beforeAll(async () => {
  sim = await startBedrockSimulator();
  strata = await startStrataServer(`
models:
  local: { provider: local, id: extractive }
  sonnet: { provider: bedrock, id: ${SONNET}, region: us-east-1, endpoint: "${sim.url}" }
  haiku: { provider: bedrock, id: ${HAIKU}, region: us-east-1, endpoint: "${sim.url}" }
routes:
  default: { models: [local] }
  support:
    models: [sonnet, haiku]
    retry: { maxAttempts: 2, baseMs: 1, capMs: 5 }
    attemptTimeoutMs: 5000
`, {}, { auth: true });
  // the Strata key travels as a Bedrock API key: the SDK's bearer-token auth scheme
  client = new BedrockRuntimeClient({
    endpoint: strata.url,
    region: 'us-east-1',
    token: { token: strata.adminKey! },
    authSchemePreference: ['httpBearerAuth'],
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await strata.close();
  await sim.close();
});
afterEach(() => {
  sim.update({ fail: {}, failNext: {}, onlyModels: null, latencyMs: 0, streamChunkDelayMs: 0, answer: { mode: 'echo' } });
  sim.reset();
});

const ask: Message[] = [{ role: 'user', content: [{ text: 'Please repeat: the gateway works' }] }];

describe('Bedrock wire auth', () => {
  it('refuses a SigV4-signed client without a Strata key, with a Bedrock-shaped error', async () => {
    const signed = new BedrockRuntimeClient({
      endpoint: strata.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDSTRATACLIENT', secretAccessKey: 'not-checked-by-strata' },
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 1,
    });
    try {
      const err = await signed.send(new ConverseCommand({ modelId: 'default', messages: ask })).then(
        () => undefined,
        (e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode?: number } },
      );
      // AWS answers an unknown caller with 403 UnrecognizedClientException; so does Strata's Bedrock wire
      expect(err?.$metadata.httpStatusCode).toBe(403);
      expect(err?.name).toBe('UnrecognizedClientException');
      expect(err?.message).toMatch(/Bearer/);
    } finally {
      signed.destroy();
    }
  });
});

async function records() {
  await strata.strata.writer.flush();
  return listInvocations(strata.strata.store, { limit: 100 });
}

describe('Bedrock Runtime wire protocol served by Strata', () => {
  it('Converse through the local extractive model on the default route', async () => {
    const out = await client.send(
      new ConverseCommand({
        modelId: 'default',
        system: [{ text: 'Answer from the context.' }],
        messages: [{ role: 'user', content: [{ text: 'Context:\n[1] Strata retries throttled calls with full-jitter backoff.\n[2] Bananas are yellow.\n\nHow are throttled calls handled?' }] }],
      }),
    );
    const text = out.output?.message?.content?.map((b) => b.text ?? '').join('') ?? '';
    expect(out.output?.message?.role).toBe('assistant');
    expect(text).toContain('full-jitter backoff');
    expect(text).not.toContain('Bananas');
    expect(out.stopReason).toBe('end_turn');
    expect(out.usage!.inputTokens).toBeGreaterThan(0);
    expect(out.usage!.totalTokens).toBe(out.usage!.inputTokens! + out.usage!.outputTokens!);
    expect(typeof out.metrics?.latencyMs).toBe('number');
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^inv/);
  });

  it('Converse through a Bedrock-backed route: answer, usage, max tokens and x-strata headers', async () => {
    const out = await client.send(new ConverseCommand({ modelId: 'support', messages: ask, inferenceConfig: { maxTokens: 3, temperature: 0.2 } }));
    expect(out.output?.message?.content?.[0]?.text).toBe('Please repeat:');
    expect(out.stopReason).toBe('max_tokens');
    expect(out.usage!.outputTokens).toBe(3);
    expect(sim.counts()[SONNET]!.requests).toBe(1);
    // the SDK hides response headers; read them as raw HTTP does
    const r = await fetch(`${strata.url}/model/support/converse`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${strata.adminKey!}` }, body: JSON.stringify({ messages: ask }) });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-strata-model')).toBe('sonnet');
    expect(r.headers.get('x-strata-attempts')).toBe('1');
    expect(r.headers.get('x-strata-cache')).toBe('bypass');
    expect(r.headers.get('x-strata-invocation-id')).toMatch(/^inv/);
  });

  it('a model alias answers directly; a URL-encoded model id is decoded before lookup', async () => {
    const out = await client.send(new ConverseCommand({ modelId: 'haiku', messages: ask }));
    expect(out.output?.message?.content?.[0]?.text).toBe('Please repeat: the gateway works');
    expect(sim.counts()[HAIKU]!.requests).toBe(1);
    const err = await client.send(new ConverseCommand({ modelId: 'arn:aws:bedrock:us-east-1:1:inference-profile/x', messages: ask })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as Error).message).toContain("'arn:aws:bedrock:us-east-1:1:inference-profile/x'");
  });

  it('ConverseStream: text deltas, messageStop and metadata usage', async () => {
    sim.update({ answer: { mode: 'canned', text: 'one two three four five six seven eight nine ten' } });
    const out = await client.send(new ConverseStreamCommand({ modelId: 'support', messages: ask }));
    let text = '';
    let deltas = 0;
    let started = false;
    let stopReason: string | undefined;
    let usage: { inputTokens?: number; outputTokens?: number } | undefined;
    for await (const ev of out.stream!) {
      if (ev.messageStart) started = ev.messageStart.role === 'assistant';
      if (ev.contentBlockDelta?.delta?.text !== undefined) {
        text += ev.contentBlockDelta.delta.text;
        deltas++;
      }
      if (ev.messageStop) stopReason = ev.messageStop.stopReason;
      if (ev.metadata) usage = ev.metadata.usage;
    }
    expect(started).toBe(true);
    expect(text).toBe('one two three four five six seven eight nine ten');
    expect(deltas).toBeGreaterThan(1);
    expect(stopReason).toBe('end_turn');
    expect(usage!.outputTokens).toBeGreaterThan(5);
    expect(usage!.inputTokens).toBeGreaterThan(0);
    const [rec] = await records();
    expect(rec).toMatchObject({ stream: true, status: 'ok', modelAnswered: 'sonnet' });
  });

  it('tool use round trip: toolUse out (Converse and ConverseStream), toolResult back in', async () => {
    const tools: Tool[] = [
      { toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } } },
    ];
    const question: Message = { role: 'user', content: [{ text: 'Please call tool get_weather for Paris' }] };
    const first = await client.send(new ConverseCommand({ modelId: 'support', messages: [question], toolConfig: { tools } }));
    expect(first.stopReason).toBe('tool_use');
    const toolUse = first.output!.message!.content!.find((b) => b.toolUse)!.toolUse!;
    expect(toolUse.name).toBe('get_weather');
    expect(toolUse.input).toHaveProperty('city');
    expect(toolUse.toolUseId).toBeTruthy();

    const streamed = await client.send(new ConverseStreamCommand({ modelId: 'support', messages: [question], toolConfig: { tools, toolChoice: { any: {} } } }));
    let name: string | undefined;
    let input = '';
    let stop: string | undefined;
    for await (const ev of streamed.stream!) {
      if (ev.contentBlockStart?.start?.toolUse) name = ev.contentBlockStart.start.toolUse.name;
      if (ev.contentBlockDelta?.delta?.toolUse) input += ev.contentBlockDelta.delta.toolUse.input ?? '';
      if (ev.messageStop) stop = ev.messageStop.stopReason;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(input)).toHaveProperty('city');
    expect(stop).toBe('tool_use');

    const second = await client.send(
      new ConverseCommand({
        modelId: 'support',
        toolConfig: { tools },
        messages: [
          question,
          { role: 'assistant', content: [{ toolUse }] },
          { role: 'user', content: [{ toolResult: { toolUseId: toolUse.toolUseId, content: [{ json: { forecast: 'Sunny, 21 degrees' } }] } }] },
        ],
      }),
    );
    expect(second.stopReason).toBe('end_turn');
    expect(second.output!.message!.content![0]!.text).toContain('Sunny, 21 degrees');
  });

  it('an unknown model → ResourceNotFoundException (404)', async () => {
    const err = await client.send(new ConverseCommand({ modelId: 'no-such-model', messages: ask })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect(err).toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect((err as Error).message).toContain("Unknown model or route 'no-such-model'");
    const streamErr = await client.send(new ConverseStreamCommand({ modelId: 'no-such-model', messages: ask })).catch((e: unknown) => e);
    expect(streamErr).toBeInstanceOf(ResourceNotFoundException);
  });

  it('an invalid body → ValidationException (400) saying what is wrong, before any upstream call', async () => {
    const cases: Array<[ConstructorParameters<typeof ConverseCommand>[0], string]> = [
      [{ modelId: 'support', messages: [] }, 'at least one message'],
      [{ modelId: 'support', messages: [{ role: 'assistant', content: [{ text: 'hi' }] }] }, 'start with a user message'],
      [{ modelId: 'support', messages: [{ role: 'user', content: [{ text: '   ' }] }] }, 'is blank'],
      [{ modelId: 'support', messages: ask, inferenceConfig: { temperature: 3 } }, 'temperature must be a number between 0 and 1'],
      [{ modelId: 'support', messages: [{ role: 'user', content: [{ image: { format: 'png', source: { bytes: new Uint8Array([1]) } } }] }] }, "got 'image'"],
      [{ modelId: 'support', messages: ask, guardrailConfig: { guardrailIdentifier: 'g', guardrailVersion: '1' } }, 'guardrailConfig is not supported'],
    ];
    for (const [input, message] of cases) {
      const err = await client.send(new ConverseCommand(input)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationException);
      expect(err).toMatchObject({ $metadata: { httpStatusCode: 400 } });
      expect((err as Error).message).toContain(message);
    }
    expect(sim.counts()[SONNET]).toBeUndefined();
  });

  it('malformed JSON, an oversized body and unknown operations under /model answer in the AWS error format', async () => {
    const bad = await fetch(`${strata.url}/model/support/converse`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${strata.adminKey!}` }, body: '{"messages": [' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-errortype')).toMatch(/^ValidationException/);
    expect(await bad.json()).toEqual({ message: 'The request body is not valid JSON.' });
    const huge = await fetch(`${strata.url}/model/support/converse`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${strata.adminKey!}` }, body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'x'.repeat(2_000_000) }] }] }) });
    expect(huge.status).toBe(400);
    expect(huge.headers.get('x-amzn-errortype')).toMatch(/^ValidationException/);
    expect(((await huge.json()) as { message: string }).message).toContain('bodyLimitBytes');
    const invoke = await fetch(`${strata.url}/model/support/invoke`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${strata.adminKey!}` }, body: '{}' });
    expect(invoke.status).toBe(404);
    expect(invoke.headers.get('x-amzn-errortype')).toMatch(/^ResourceNotFoundException/);
    expect(((await invoke.json()) as { message: string }).message).toContain('converse-stream');
  });

  it('every upstream throttled → ThrottlingException (429) with Retry-After', async () => {
    sim.update({ fail: { ThrottlingException: 1 } });
    const err = await client.send(new ConverseCommand({ modelId: 'support', messages: ask })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottlingException);
    expect(err).toMatchObject({ $metadata: { httpStatusCode: 429 } });
    expect(Number((err as { $response?: { headers: Record<string, string> } }).$response?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(sim.counts()[SONNET]!.throttled).toBe(2);
    expect(sim.counts()[HAIKU]!.throttled).toBe(2);
    const streamErr = await client.send(new ConverseStreamCommand({ modelId: 'support', messages: ask })).catch((e: unknown) => e);
    expect(streamErr).toBeInstanceOf(ThrottlingException);
  });

  it('a mid-stream upstream failure → the SDK stream iteration throws ModelStreamErrorException', async () => {
    sim.update({ fail: { MidStreamException: 1 }, onlyModels: [SONNET], answer: { mode: 'canned', text: 'alpha beta gamma delta epsilon zeta eta theta' } });
    const out = await client.send(new ConverseStreamCommand({ modelId: 'support', messages: ask }));
    let text = '';
    const err = await (async () => {
      for await (const ev of out.stream!) text += ev.contentBlockDelta?.delta?.text ?? '';
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelStreamErrorException);
    expect((err as Error).message).toContain('failed after it started');
    expect(text.length).toBeGreaterThan(0);
    expect(sim.counts()[HAIKU]).toBeUndefined();
    const [rec] = await records();
    expect(rec).toMatchObject({ status: 'error', stream: true, attempts: 1 });
  });
});
