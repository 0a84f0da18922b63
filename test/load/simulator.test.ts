import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../../src/core/index.js';
import { parseFailSpec, startSimulator, type SimulatorHandle } from '../../src/load/simulator/index.js';
import { rejection } from '../helpers/caught.js';

const creds = { accessKeyId: 'AKIDSIMULATOR', secretAccessKey: 'simulator-secret' };

function sdkClient(url: string, transport: 'http1' | 'http2', requestTimeout?: number): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: creds,
    maxAttempts: 1,
    requestHandler: transport === 'http1' ? new NodeHttpHandler({ socketTimeout: requestTimeout }) : new NodeHttp2Handler({ requestTimeout }),
  });
}

const userTurn = (text: string) => [{ role: 'user' as const, content: [{ text }] }];


async function collect(stream: AsyncIterable<ConverseStreamOutput>): Promise<ConverseStreamOutput[]> {
  const out: ConverseStreamOutput[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

describe('bedrock simulator with the AWS SDK', () => {
  let sim: SimulatorHandle;
  const clients: BedrockRuntimeClient[] = [];
  beforeAll(async () => {
    sim = await startSimulator({ protocol: 'bedrock' });
  });
  afterEach(() => {
    sim.update({ fail: {}, failNext: {}, rpm: undefined, tpm: undefined, answer: { mode: 'echo' } });
    sim.update(JSON.parse('{"rpm":null,"tpm":null,"onlyModels":null}') as object);
    sim.reset();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await sim.close();
  });
  const client = (t: 'http1' | 'http2', timeout?: number): BedrockRuntimeClient => {
    const c = sdkClient(sim.url, t, timeout);
    clients.push(c);
    return c;
  };

  for (const transport of ['http1', 'http2'] as const) {
    it(`answers Converse over ${transport} with echo text and cl100k usage`, async () => {
      const text = 'What is the capital of France? Answer briefly.';
      const out = await client(transport).send(
        new ConverseCommand({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', messages: userTurn(text), system: [{ text: 'Be terse.' }] }),
      );
      expect(out.output?.message?.role).toBe('assistant');
      expect(out.output?.message?.content).toEqual([{ text }]);
      expect(out.stopReason).toBe('end_turn');
      const input = countTokens(text) + countTokens('Be terse.');
      expect(out.usage).toEqual({ inputTokens: input, outputTokens: countTokens(text), totalTokens: input + countTokens(text) });
      expect(typeof out.metrics?.latencyMs).toBe('number');
      expect(sim.counts()['anthropic.claude-3-haiku-20240307-v1:0']).toEqual({ requests: 1, throttled: 0, failed: 0, ok: 1 });
    });

    it(`streams ConverseStream events over ${transport}`, async () => {
      const text = 'Streaming sends the answer in several small pieces, four tokens at a time.';
      const out = await client(transport).send(new ConverseStreamCommand({ modelId: 'us.amazon.nova-lite-v1:0', messages: userTurn(text) }));
      const events = await collect(out.stream!);
      expect(events[0]).toEqual({ messageStart: { role: 'assistant' } });
      const deltas = events.flatMap((e) => (e.contentBlockDelta?.delta?.text === undefined ? [] : [e.contentBlockDelta.delta.text]));
      expect(deltas.length).toBeGreaterThan(2);
      expect(deltas.join('')).toBe(text);
      const kinds = events.map((e) => Object.keys(e)[0]);
      expect(kinds.slice(-3)).toEqual(['contentBlockStop', 'messageStop', 'metadata']);
      expect(events.at(-2)?.messageStop?.stopReason).toBe('end_turn');
      expect(events.at(-1)?.metadata?.usage).toEqual({ inputTokens: countTokens(text), outputTokens: countTokens(text), totalTokens: 2 * countTokens(text) });
      expect(sim.counts()['us.amazon.nova-lite-v1:0']?.ok).toBe(1);
    });
  }

  it('passes application inference profile ARNs through as the model id', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123';
    await client('http1').send(new ConverseCommand({ modelId: arn, messages: userTurn('hi there') }));
    expect(Object.keys(sim.counts())).toEqual([arn]);
  });

  const statusOf: Record<string, number> = {
    ThrottlingException: 429,
    ServiceUnavailableException: 503,
    ModelNotReadyException: 429,
    ModelTimeoutException: 408,
    ModelErrorException: 424,
    InternalServerException: 500,
    ValidationException: 400,
    AccessDeniedException: 403,
    ResourceNotFoundException: 404,
    ServiceQuotaExceededException: 400,
  };
  for (const [name, status] of Object.entries(statusOf)) {
    it(`injected ${name} surfaces as that SDK exception with status ${status}`, async () => {
      sim.update({ failNext: { [name]: 1 } });
      const err = await rejection(client('http1').send(new ConverseCommand({ modelId: 'm1', messages: userTurn('hello') })));
      expect(err.name).toBe(name);
      expect((err.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(status);
    });
  }

  it('failNext fails exactly N requests, only for the targeted models', async () => {
    sim.update({ failNext: { ServiceUnavailableException: 2 }, onlyModels: ['target'] });
    const c = client('http1');
    const send = (modelId: string) => c.send(new ConverseCommand({ modelId, messages: userTurn('ping') }));
    await expect(send('other')).resolves.toBeDefined();
    expect((await rejection(send('target'))).name).toBe('ServiceUnavailableException');
    expect((await rejection(send('target'))).name).toBe('ServiceUnavailableException');
    await expect(send('target')).resolves.toBeDefined();
    expect(sim.counts()).toEqual({
      other: { requests: 1, throttled: 0, failed: 0, ok: 1 },
      target: { requests: 3, throttled: 0, failed: 2, ok: 1 },
    });
    expect(sim.settings().failNext.ServiceUnavailableException).toBe(0);
  });

  it('probability 1 always fails and probability 0 never does', async () => {
    sim.update({ fail: { InternalServerException: 1 } });
    const c = client('http1');
    for (let i = 0; i < 3; i++) {
      expect((await rejection(c.send(new ConverseCommand({ modelId: 'm', messages: userTurn('x') })))).name).toBe('InternalServerException');
    }
    sim.update({ fail: { InternalServerException: 0 } });
    await expect(c.send(new ConverseCommand({ modelId: 'm', messages: userTurn('x') }))).resolves.toBeDefined();
  });

  it('throttles over the rpm quota per model id, with retry-after', async () => {
    sim.update({ rpm: 2 });
    const c = client('http1');
    const send = (modelId: string) => c.send(new ConverseCommand({ modelId, messages: userTurn('quota') }));
    await send('a');
    await send('a');
    const err = await rejection(send('a'));
    expect(err.name).toBe('ThrottlingException');
    const headers = (err.$response as { headers: Record<string, string> }).headers;
    expect(Number(headers['retry-after'])).toBeGreaterThan(0);
    await expect(send('b')).resolves.toBeDefined();
    expect(sim.counts().a).toEqual({ requests: 3, throttled: 1, failed: 0, ok: 2 });
    sim.reset();
    await expect(send('a')).resolves.toBeDefined();
  });

  it('throttles over the tpm quota', async () => {
    const text = 'one two three four five six seven eight nine ten';
    sim.update({ tpm: 3 * countTokens(text) });
    const c = client('http1');
    const send = () => c.send(new ConverseCommand({ modelId: 'tpm', messages: userTurn(text) }));
    await send();
    expect((await rejection(send())).name).toBe('ThrottlingException');
  });

  it('truncates at maxTokens and cuts at stop sequences', async () => {
    const c = client('http1');
    const text = 'alpha beta gamma delta epsilon zeta eta theta';
    const short = await c.send(new ConverseCommand({ modelId: 'm', messages: userTurn(text), inferenceConfig: { maxTokens: 3 } }));
    expect(short.stopReason).toBe('max_tokens');
    expect(short.usage?.outputTokens).toBe(3);
    expect(text.startsWith(short.output!.message!.content![0]!.text!)).toBe(true);
    const cut = await c.send(new ConverseCommand({ modelId: 'm', messages: userTurn(text), inferenceConfig: { stopSequences: [' delta'] } }));
    expect(cut.stopReason).toBe('stop_sequence');
    expect(cut.output?.message?.content).toEqual([{ text: 'alpha beta gamma' }]);
  });

  it('enforces Converse rules: alternating roles, non-blank text', async () => {
    const c = client('http1');
    const err = await rejection(
      c.send(new ConverseCommand({ modelId: 'm', messages: [...userTurn('a'), ...userTurn('b')] })),
    );
    expect(err.name).toBe('ValidationException');
    expect(String(err.message)).toMatch(/alternate/);
    expect((await rejection(c.send(new ConverseCommand({ modelId: 'm', messages: userTurn('  ') })))).name).toBe('ValidationException');
  });

  it('answers with a toolUse block when the user asks to call a tool', async () => {
    const toolConfig = {
      tools: [{ toolSpec: { name: 'get_weather', description: 'Weather by city', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } } } }],
    };
    const out = await client('http1').send(new ConverseCommand({ modelId: 'm', messages: userTurn('please call tool get_weather'), toolConfig }));
    expect(out.stopReason).toBe('tool_use');
    const use = out.output?.message?.content?.[0]?.toolUse;
    expect(use?.name).toBe('get_weather');
    expect(use?.input).toEqual({ city: 'please call tool get_weather', days: 1 });
    expect(use?.toolUseId).toMatch(/^tooluse_/);
  });

  it('reports prompt-cache writes then reads around a cachePoint', async () => {
    const c = client('http1');
    const system = [{ text: 'A long shared system prompt that is worth caching.' }, { cachePoint: { type: 'default' as const } }];
    const first = await c.send(new ConverseCommand({ modelId: 'm', system, messages: userTurn('question one') }));
    const second = await c.send(new ConverseCommand({ modelId: 'm', system, messages: userTurn('question one') }));
    const cached = countTokens('A long shared system prompt that is worth caching.');
    expect(first.usage?.cacheWriteInputTokens).toBe(cached);
    expect(second.usage?.cacheReadInputTokens).toBe(cached);
    expect(second.usage?.inputTokens).toBe(countTokens('question one'));
  });

  for (const transport of ['http1', 'http2'] as const) {
    it(`MidStreamException sends some tokens then a ModelStreamErrorException (${transport})`, async () => {
      sim.update({ failNext: { MidStreamException: 1 } });
      const text = 'one two three four five six seven eight nine ten eleven twelve';
      const out = await client(transport).send(new ConverseStreamCommand({ modelId: 'm', messages: userTurn(text) }));
      const got: string[] = [];
      const err = await rejection(
        (async () => {
          for await (const ev of out.stream!) if (ev.contentBlockDelta?.delta?.text) got.push(ev.contentBlockDelta.delta.text);
        })(),
      );
      expect(err.name).toBe('ModelStreamErrorException');
      expect(got.length).toBeGreaterThan(0);
      expect(text.startsWith(got.join(''))).toBe(true);
      expect(got.join('')).not.toBe(text);
    });
  }

  it('MidStreamException on a non-stream call is a ModelErrorException', async () => {
    sim.update({ failNext: { MidStreamException: 1 } });
    expect((await rejection(client('http1').send(new ConverseCommand({ modelId: 'm', messages: userTurn('x') })))).name).toBe('ModelErrorException');
  });

  it('Hang never answers: the client gives up on its own timeout', async () => {
    sim.update({ failNext: { Hang: 1 } });
    const err = await rejection(client('http1', 300).send(new ConverseCommand({ modelId: 'm', messages: userTurn('x') })));
    expect(err.name).toBe('TimeoutError');
    await expect(client('http1').send(new ConverseCommand({ modelId: 'm', messages: userTurn('x') }))).resolves.toBeDefined();
  });

  it('Hang is cut off by an AbortSignal', async () => {
    sim.update({ failNext: { Hang: 1 } });
    const err = await rejection(client('http2').send(new ConverseCommand({ modelId: 'm', messages: userTurn('x') }), { abortSignal: AbortSignal.timeout(300) }));
    expect(err.name).toMatch(/AbortError|TimeoutError/);
  });

  for (const transport of ['http1', 'http2'] as const) {
    it(`ConnectionReset drops the request without an answer (${transport})`, async () => {
      sim.update({ failNext: { ConnectionReset: 1 } });
      const err = await rejection(client(transport).send(new ConverseCommand({ modelId: 'm', messages: userTurn('x') })));
      // no HTTP status: the request never got an answer
      expect((err.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode).toBeUndefined();
      expect(`${String(err.code)} ${String(err.message)}`).toMatch(transport === 'http1' ? /ECONNRESET|socket hang up/ : /ERR_HTTP2|NGHTTP2|stream/i);
      expect(sim.counts().m?.failed).toBe(1);
    });
  }
});

describe('simulator control endpoint', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startSimulator({ protocol: 'bedrock', settings: { latencyMs: 0, answer: { mode: 'canned', text: 'fixed' } } });
  });
  afterAll(() => sim.close());

  it('GET returns settings and counts; POST patches; reset clears counts', async () => {
    const got = (await (await fetch(`${sim.url}/_control`)).json()) as { settings: { answer: unknown }; counts: unknown };
    expect(got.settings.answer).toEqual({ mode: 'canned', text: 'fixed' });
    expect(got.counts).toEqual({});
    const post = await fetch(`${sim.url}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fail: { ThrottlingException: 1 }, onlyModels: ['m1'] }),
    });
    expect(post.status).toBe(200);
    expect(sim.settings().fail).toEqual({ ThrottlingException: 1 });
    expect(sim.settings().onlyModels).toEqual(['m1']);
    const c = sdkClient(sim.url, 'http1');
    await expect(c.send(new ConverseCommand({ modelId: 'm1', messages: userTurn('x') }))).rejects.toMatchObject({ name: 'ThrottlingException' });
    const ok = await c.send(new ConverseCommand({ modelId: 'm2', messages: userTurn('x') }));
    expect(ok.output?.message?.content).toEqual([{ text: 'fixed' }]);
    c.destroy();
    const counts = ((await (await fetch(`${sim.url}/_control`)).json()) as { counts: Record<string, unknown> }).counts;
    expect(counts).toEqual({ m1: { requests: 1, throttled: 1, failed: 0, ok: 0 }, m2: { requests: 1, throttled: 0, failed: 0, ok: 1 } });
    expect((await fetch(`${sim.url}/_control/reset`, { method: 'POST' })).status).toBe(200);
    expect(sim.counts()).toEqual({});
  });

  it('rejects a bad body with 400 and a message naming the field', async () => {
    const bad = async (body: string) => {
      const r = await fetch(`${sim.url}/_control`, { method: 'POST', body });
      return { status: r.status, body: (await r.json()) as { error: string } };
    };
    const unknownType = await bad(JSON.stringify({ fail: { NotAnError: 0.5 } }));
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.error).toMatch(/fail\.NotAnError.*unknown error type/);
    const prob = await bad(JSON.stringify({ fail: { ThrottlingException: 2 } }));
    expect(prob.status).toBe(400);
    expect(prob.body.error).toMatch(/fail\.ThrottlingException/);
    const before = sim.settings();
    const field = await bad(JSON.stringify({ latencyMz: 3 }));
    expect(field.status).toBe(400);
    expect((await bad('{not json')).status).toBe(400);
    expect(sim.settings()).toEqual(before);
  });

  it('update() validates like the endpoint', () => {
    expect(() => sim.update({ streamChunkTokens: 0 })).toThrow(/streamChunkTokens/);
  });
});

describe('parseFailSpec', () => {
  it('parses a comma-separated spec', () => {
    expect(parseFailSpec('ThrottlingException=0.5, ServiceUnavailableException=0.1')).toEqual({ ThrottlingException: 0.5, ServiceUnavailableException: 0.1 });
  });
  it('rejects unknown types and bad probabilities', () => {
    expect(() => parseFailSpec('Nope=0.5')).toThrow(/Unknown error type "Nope"/);
    expect(() => parseFailSpec('ThrottlingException=1.5')).toThrow(/between 0 and 1/);
    expect(() => parseFailSpec('ThrottlingException')).toThrow(/between 0 and 1/);
  });
});
