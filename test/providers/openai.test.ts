import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StrataError, countTokens, type ChatChunk, type ChatRequest } from '../../src/core/index.js';
import { createOpenAIChatModel, createOpenAIEmbeddingModel, mapOpenAIError, SseDataParser } from '../../src/providers/openai/index.js';
import { startSimulator, type SimulatorHandle } from '../../src/load/simulator/index.js';
import { caught } from '../helpers/caught.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- request JSON as the fixture server parsed it
type Json = any;

interface Captured {
  path: string;
  headers: IncomingHttpHeaders;
  body: Json;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Json) => void | Promise<void>;

interface Fixture {
  url: string;
  captured: Captured[];
  /** resolves when the next request has been received (before the handler runs) */
  nextRequest(): Promise<void>;
  close(): Promise<void>;
}

const fixtures: Fixture[] = [];

async function startFixture(handler: Handler): Promise<Fixture> {
  const captured: Captured[] = [];
  let waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts).toString('utf8');
      const body: Json = raw.length > 0 ? JSON.parse(raw) : undefined;
      captured.push({ path: req.url ?? '', headers: req.headers, body });
      const w = waiters;
      waiters = [];
      for (const f of w) f();
      void handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const f: Fixture = {
    url: `http://127.0.0.1:${port}/v1`,
    captured,
    nextRequest: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  fixtures.push(f);
  return f;
}

afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Writes `text` in pieces of `size` bytes, one write per event-loop turn, so lines and UTF-8 characters split. */
async function writeInPieces(res: ServerResponse, text: string, size: number): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) {
    res.write(bytes.subarray(i, i + size));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function sse(obj: unknown): string {
  return `data: ${JSON.stringify(obj)}\n\n`;
}

async function collect(stream: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}


const SECRET = 'my secret prompt about Project Nightingale';
const simpleRequest: ChatRequest = { messages: [{ role: 'user', content: SECRET }], params: {} };

describe('OpenAI-compatible chat: request and response mapping', () => {
  it('sends messages, tool history, params and tools in OpenAI shape and maps tool calls and usage back', async () => {
    const f = await startFixture((_req, res) =>
      json(res, 200, {
        id: 'x',
        model: 'served-model-2024',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 120, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 100 } },
      }),
    );
    const model = createOpenAIChatModel({ modelId: 'gpt-test', baseUrl: f.url, apiKey: 'sk-abc', headers: { 'X-Org': 'acme' } });
    const result = await model.chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Oslo?', name: 'ann' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Bergen"}' }] },
        { role: 'tool', content: '12C', toolCallId: 'call_1' },
        { role: 'user', content: 'And Oslo?' },
      ],
      params: {
        temperature: 0.2,
        topP: 0.9,
        maxTokens: 64,
        stop: ['END'],
        tools: [{ name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
        toolChoice: { name: 'get_weather' },
      },
    });
    const c = f.captured[0]!;
    expect(c.path).toBe('/v1/chat/completions');
    expect(c.headers.authorization).toBe('Bearer sk-abc');
    expect(c.headers['x-org']).toBe('acme');
    expect(c.body).toEqual({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Oslo?', name: 'ann' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Bergen"}' } }] },
        { role: 'tool', content: '12C', tool_call_id: 'call_1' },
        { role: 'user', content: 'And Oslo?' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
      stop: ['END'],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(result).toEqual({
      text: '',
      toolCalls: [{ id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
      finishReason: 'tool_calls',
      // cached prompt tokens are reported apart from the uncached input
      usage: { inputTokens: 20, outputTokens: 9, cacheReadTokens: 100, cacheWriteTokens: 0 },
      modelId: 'served-model-2024',
    });
    await model.close();
  });

  it('sends no authorization header without an api key and estimates usage when the server reports none', async () => {
    const f = await startFixture((_req, res) =>
      json(res, 200, { choices: [{ message: { role: 'assistant', content: 'Hello there, friend.' }, finish_reason: 'length' }] }),
    );
    const model = createOpenAIChatModel({ modelId: 'llama3', baseUrl: f.url });
    const r = await model.chat(simpleRequest);
    expect(f.captured[0]!.headers.authorization).toBeUndefined();
    expect(r.text).toBe('Hello there, friend.');
    expect(r.finishReason).toBe('length');
    expect(r.modelId).toBe('llama3');
    expect(r.usage.inputTokens).toBe(countTokens(SECRET));
    expect(r.usage.outputTokens).toBe(countTokens('Hello there, friend.'));
    await model.close();
  });
});

describe('OpenAI-compatible chat: streaming', () => {
  it('parses text and tool-call deltas split at arbitrary byte boundaries, and the final usage', async () => {
    const events =
      sse({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }) +
      sse({ choices: [{ index: 0, delta: { content: 'Größe: ' }, finish_reason: null }] }) +
      sse({ choices: [{ index: 0, delta: { content: '42 🙂 units' }, finish_reason: null }] }) +
      ': keep-alive comment\n\n' +
      sse({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } }] }, finish_reason: null }] }) +
      sse({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] }, finish_reason: null }] }) +
      sse({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] }, finish_reason: null }] }) +
      sse({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }).replace(/\n\n$/, '\r\n\r\n') +
      sse({ choices: [], usage: { prompt_tokens: 30, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 10 } } }) +
      'data: [DONE]\n\n';
    const f = await startFixture(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      await writeInPieces(res, events, 7);
      res.end();
    });
    const model = createOpenAIChatModel({ modelId: 'm', baseUrl: f.url });
    const chunks = await collect(model.stream(simpleRequest));
    expect(f.captured[0]!.body.stream).toBe(true);
    expect(f.captured[0]!.body.stream_options).toEqual({ include_usage: true });
    const text = chunks.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('');
    expect(text).toBe('Größe: 42 🙂 units');
    const calls = chunks.filter((c) => c.type === 'tool_call');
    expect(calls[0]).toMatchObject({ index: 0, id: 'call_1', name: 'lookup' });
    expect(calls.map((c) => c.argumentsDelta).join('')).toBe('{"q":"x"}');
    expect(chunks.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'tool_calls',
      usage: { inputTokens: 20, outputTokens: 12, cacheReadTokens: 10, cacheWriteTokens: 0 },
    });
    await model.close();
  });

  it('estimates usage when the stream carries none', async () => {
    const f = await startFixture((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse({ choices: [{ delta: { content: 'Short answer.' }, finish_reason: 'stop' }] }) + 'data: [DONE]\n\n');
    });
    const model = createOpenAIChatModel({ modelId: 'm', baseUrl: f.url });
    const chunks = await collect(model.stream(simpleRequest));
    expect(chunks.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: countTokens(SECRET), outputTokens: countTokens('Short answer.'), cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
    await model.close();
  });

  it('turns a mid-stream error event into a retryable upstream_stream_error', async () => {
    const f = await startFixture((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse({ choices: [{ delta: { content: 'Partial' } }] }) + sse({ error: { message: `failed on ${SECRET}`, type: 'server_error', code: 'model_error' } }));
    });
    const model = createOpenAIChatModel({ modelId: 'm', baseUrl: f.url });
    const seen: string[] = [];
    const err = await caught(
      (async () => {
        for await (const c of model.stream(simpleRequest)) if (c.type === 'text') seen.push(c.text);
      })(),
    );
    expect(seen).toEqual(['Partial']);
    expect(err).toMatchObject({ code: 'upstream_stream_error', retryable: true, fallbackAllowed: true, upstreamType: 'model_error' });
    expect(err.message).not.toContain('Nightingale');
    await model.close();
  });

  it('treats a stream that ends before any finish or [DONE] as an upstream_stream_error', async () => {
    const f = await startFixture((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse({ choices: [{ delta: { content: 'Cut off' } }] }));
    });
    const model = createOpenAIChatModel({ modelId: 'm', baseUrl: f.url });
    const err = await caught(collect(model.stream(simpleRequest)));
    expect(err).toMatchObject({ code: 'upstream_stream_error', retryable: true, fallbackAllowed: true });
    await model.close();
  });

  it('treats a connection reset mid-stream as an upstream_stream_error', async () => {
    const f = await startFixture((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse({ choices: [{ delta: { content: 'Half' } }] }), () => req.socket.destroy());
    });
    const model = createOpenAIChatModel({ modelId: 'm', baseUrl: f.url });
    const err = await caught(collect(model.stream(simpleRequest)));
    expect(err.code).toBe('upstream_stream_error');
    await model.close();
  });

  it('maps an error status on a stream request before any chunk', async () => {
    const f = await startFixture((_req, res) => json(res, 429, { error: { type: 'rate_limit_error' } }, { 'retry-after': '3' }));
    const model = createOpenAIChatModel({ modelId: 'm', baseUrl: f.url });
    const err = await caught(collect(model.stream(simpleRequest)));
    expect(err).toMatchObject({ code: 'upstream_throttled', retryAfterMs: 3000 });
    await model.close();
  });
});

describe('SseDataParser', () => {
  it('yields the same events whatever the chunk boundaries', () => {
    const stream = 'data: {"a":1}\n\nevent: x\ndata: line1\ndata: line2\n\n: comment\ndata:[DONE]\n\n';
    for (let size = 1; size <= stream.length; size++) {
      const p = new SseDataParser();
      const out: string[] = [];
      for (let i = 0; i < stream.length; i += size) p.push(stream.slice(i, i + size), out);
      p.end(out);
      expect(out).toEqual(['{"a":1}', 'line1\nline2', '[DONE]']);
    }
  });
});

describe('OpenAI-compatible chat: errors', () => {
  const table: [number, string, boolean, boolean][] = [
    [400, 'upstream_invalid_request', false, false],
    [422, 'upstream_invalid_request', false, false],
    [401, 'upstream_access_denied', false, true],
    [403, 'upstream_access_denied', false, true],
    [404, 'upstream_not_found', false, true],
    [408, 'upstream_timeout', true, true],
    [429, 'upstream_throttled', true, true],
    [500, 'upstream_internal', true, true],
    [502, 'upstream_unavailable', true, true],
    [503, 'upstream_unavailable', true, true],
    [504, 'upstream_unavailable', true, true],
  ];

  it.each(table)('HTTP %i → %s (retryable %s, fallback %s), without request content in the message', async (status, code, retryable, fallbackAllowed) => {
    const f = await startFixture((_req, res, body) =>
      json(res, status, { error: { message: `Problem with: ${body.messages[0].content}`, type: 'some_error', code: null } }),
    );
    const model = createOpenAIChatModel({ modelId: 'm', baseUrl: f.url });
    const err = await caught(model.chat(simpleRequest));
    expect(err).toMatchObject({ code, retryable, fallbackAllowed });
    expect(err.message).toContain(String(status));
    expect(err.message).not.toContain('Nightingale');
    await model.close();
  });

  it('reads retry-after-ms, retry-after seconds and HTTP dates; separates exhausted quota from throttling', () => {
    expect(mapOpenAIError(429, {}, { 'retry-after-ms': '1500', 'retry-after': '9' }).retryAfterMs).toBe(1500);
    expect(mapOpenAIError(429, {}, { 'retry-after': '2' }).retryAfterMs).toBe(2000);
    const at = new Date(Date.now() + 60_000).toUTCString();
    const fromDate = mapOpenAIError(503, 'busy', { 'retry-after': at }).retryAfterMs!;
    expect(fromDate).toBeGreaterThan(50_000);
    expect(fromDate).toBeLessThanOrEqual(60_000);
    expect(mapOpenAIError(429, {}, {}).retryAfterMs).toBeUndefined();
    const quota = mapOpenAIError(429, { error: { type: 'insufficient_quota', code: 'insufficient_quota' } }, { 'retry-after': '1' });
    expect(quota).toMatchObject({ code: 'upstream_quota_exceeded', retryable: false, fallbackAllowed: true });
  });

  it('reports a refused connection as a retryable upstream_connection error', async () => {
    const f = await startFixture((_req, res) => json(res, 200, {}));
    const url = f.url;
    await fixtures.pop()!.close();
    const model = createOpenAIChatModel({ modelId: 'm', baseUrl: url });
    const err = await caught(model.chat(simpleRequest));
    expect(err).toMatchObject({ code: 'upstream_connection', retryable: true, fallbackAllowed: true });
    await model.close();
  });

  it('turns an abort through the request signal into upstream_timeout, before and during a stream', async () => {
    const f = await startFixture((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse({ choices: [{ delta: { content: 'first' } }] }));
      // never finishes: only the client's abort ends this exchange
    });
    const model = createOpenAIChatModel({ modelId: 'm', baseUrl: f.url });

    const before = new AbortController();
    const received = f.nextRequest();
    const pending = caught(model.chat({ ...simpleRequest, signal: before.signal }));
    await received;
    before.abort();
    expect((await pending).code).toBe('upstream_timeout');

    const during = new AbortController();
    const chunks: string[] = [];
    const err = await caught(
      (async () => {
        for await (const c of model.stream({ ...simpleRequest, signal: during.signal })) {
          if (c.type === 'text') {
            chunks.push(c.text);
            during.abort();
          }
        }
      })(),
    );
    expect(chunks).toEqual(['first']);
    expect(err.code).toBe('upstream_timeout');
    await model.close();
  });

  it('rejects a malformed baseUrl as a config error', () => {
    expect(() => createOpenAIChatModel({ modelId: 'm', baseUrl: 'not a url' })).toThrow(StrataError);
    expect(() => createOpenAIChatModel({ modelId: 'm', baseUrl: 'ftp://host/v1' })).toThrow(/http or https/);
  });
});

describe('OpenAI-compatible embeddings', () => {
  it('posts the input array and dimensions and returns Float32Array vectors in input order', async () => {
    const f = await startFixture((_req, res, body) =>
      json(res, 200, {
        object: 'list',
        model: body.model,
        // out of order on purpose: vectors must follow `index`
        data: [
          { object: 'embedding', index: 1, embedding: [0, 1, 0] },
          { object: 'embedding', index: 0, embedding: Buffer.from(new Float32Array([0.5, 0.25, -1]).buffer).toString('base64') },
        ],
        usage: { prompt_tokens: 7, total_tokens: 7 },
      }),
    );
    const model = createOpenAIEmbeddingModel({ modelId: 'text-embedding-3-small', baseUrl: f.url, apiKey: 'k', dimensions: 3 });
    expect(model.dimensions).toBe(3);
    const r = await model.embed({ texts: ['alpha', 'beta'] });
    expect(f.captured[0]!.path).toBe('/v1/embeddings');
    expect(f.captured[0]!.body).toMatchObject({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], dimensions: 3 });
    expect(r.vectors.map((v) => v instanceof Float32Array)).toEqual([true, true]);
    expect(Array.from(r.vectors[0]!)).toEqual([0.5, 0.25, -1]);
    expect(Array.from(r.vectors[1]!)).toEqual([0, 1, 0]);
    expect(r.usage.inputTokens).toBe(7);
    await model.close();
  });

  it('maps embedding errors like chat errors', async () => {
    const f = await startFixture((_req, res) => json(res, 401, { error: { type: 'invalid_api_key' } }));
    const model = createOpenAIEmbeddingModel({ modelId: 'e', baseUrl: f.url });
    expect((await caught(model.embed({ texts: ['x'] }))).code).toBe('upstream_access_denied');
    await model.close();
  });
});

describe('OpenAI provider against the upstream simulator', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startSimulator({ protocol: 'openai', port: 0, settings: { answer: { mode: 'echo' } } });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('round-trips text in chat and stream, sharing one pool between models on the same server', async () => {
    const a = createOpenAIChatModel({ modelId: 'sim-a', baseUrl: `${sim.url}/v1` });
    const b = createOpenAIChatModel({ modelId: 'sim-b', baseUrl: `${sim.url}/v1` });
    const r = await a.chat({ messages: [{ role: 'user', content: 'echo this sentence back' }], params: {} });
    expect(r.text).toBe('echo this sentence back');
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    await a.close();
    // closing one model must not close the shared pool under the other
    const chunks = await collect(b.stream({ messages: [{ role: 'user', content: 'a streamed echo of several tokens' }], params: {} }));
    expect(chunks.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('')).toBe('a streamed echo of several tokens');
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    await b.close();
  });

  it('round-trips a tool call, non-stream and stream', async () => {
    const m = createOpenAIChatModel({ modelId: 'sim-tools', baseUrl: `${sim.url}/v1` });
    const req: ChatRequest = {
      messages: [{ role: 'user', content: 'please call tool search' }],
      params: { tools: [{ name: 'search', parameters: { type: 'object', properties: { query: { type: 'string' } } } }] },
    };
    const r = await m.chat(req);
    expect(r.finishReason).toBe('tool_calls');
    expect(r.toolCalls[0]!.name).toBe('search');
    expect(JSON.parse(r.toolCalls[0]!.arguments)).toEqual({ query: 'please call tool search' });
    const chunks = await collect(m.stream(req));
    const calls = chunks.filter((c) => c.type === 'tool_call');
    expect(calls[0]!.name).toBe('search');
    expect(JSON.parse(calls.map((c) => c.argumentsDelta).join(''))).toEqual({ query: 'please call tool search' });
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool_calls' });
    await m.close();
  });

  it('maps the simulator throttling and mid-stream failure', async () => {
    const m = createOpenAIChatModel({ modelId: 'sim-fail', baseUrl: `${sim.url}/v1` });
    sim.update({ failNext: { ThrottlingException: 1 } });
    const throttled = await caught(m.chat(simpleRequest));
    expect(throttled).toMatchObject({ code: 'upstream_throttled', retryable: true, retryAfterMs: 1000 });
    sim.update({ failNext: { MidStreamException: 1 } });
    const broken = await caught(collect(m.stream({ messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }], params: {} })));
    // The simulator resets the socket right after writing the error event; over HTTP/1.1 the reset can overtake
    // the response, in which case the client sees a connection error instead. Either way: retry or fall back.
    expect(['upstream_stream_error', 'upstream_connection']).toContain(broken.code);
    expect(broken).toMatchObject({ retryable: true, fallbackAllowed: true });
    // and the next request works again
    expect((await m.chat(simpleRequest)).text).toBe(SECRET);
    await m.close();
  });

  it('embeds through the simulator with the requested dimensions', async () => {
    const m = createOpenAIEmbeddingModel({ modelId: 'sim-embed', baseUrl: `${sim.url}/v1`, dimensions: 64 });
    const r = await m.embed({ texts: ['first text', 'second text', 'first text'] });
    expect(r.vectors).toHaveLength(3);
    expect(r.vectors[0]!.length).toBe(64);
    expect(Array.from(r.vectors[0]!)).toEqual(Array.from(r.vectors[2]!));
    expect(r.usage.inputTokens).toBe(countTokens('first text') * 2 + countTokens('second text'));
    await m.close();
  });
});
