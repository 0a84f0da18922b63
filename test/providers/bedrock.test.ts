import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countTokens, StrataError, type ChatChunk, type ChatMessage, type ChatModel } from '../../src/core/index.js';
import { startSimulator, type SimulatorHandle } from '../../src/load/simulator/index.js';
import {
  closeBedrockClients,
  createBedrockChatModel,
  createBedrockEmbeddingModel,
  createCohereEmbeddingModel,
  isCohereEmbedModel,
  describeBedrockModelId,
  fromConverseOutput,
  mapBedrockError,
  mapStopReason,
  toConverseInput,
} from '../../src/providers/bedrock/index.js';
import { caught } from '../helpers/caught.js';

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};


async function drain(model: ChatModel, messages: ChatMessage[], params = {}): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const ch of model.stream({ messages, params })) out.push(ch);
  return out;
}

describe('Converse mapping', () => {
  it('puts system messages apart and merges same-role turns', () => {
    const input = toConverseInput(
      'm',
      [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'first' },
        { role: 'user', content: 'second' },
        { role: 'system', content: 'Cite sources.' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'third' },
      ],
      { maxTokens: 100, temperature: 0.2, topP: 0.9, stop: ['END'] },
    );
    expect(input.system).toEqual([{ text: 'Be terse.' }, { text: 'Cite sources.' }]);
    expect(input.messages).toEqual([
      { role: 'user', content: [{ text: 'first' }, { text: 'second' }] },
      { role: 'assistant', content: [{ text: 'ok' }] },
      { role: 'user', content: [{ text: 'third' }] },
    ]);
    expect(input.inferenceConfig).toEqual({ maxTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ['END'] });
    expect(input.toolConfig).toBeUndefined();
  });

  it('maps tool calls to toolUse and tool messages to toolResult in a user turn', () => {
    const input = toConverseInput(
      'm',
      [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'get_weather', arguments: '{"city":"Oslo"}' }, { id: 't2', name: 'get_weather', arguments: '{"city":"Rome"}' }] },
        { role: 'tool', content: 'cold', toolCallId: 't1' },
        { role: 'tool', content: 'warm', toolCallId: 't2' },
      ],
      { tools: [weatherTool], toolChoice: { name: 'get_weather' } },
    );
    expect(input.messages?.[1]).toEqual({
      role: 'assistant',
      content: [
        { toolUse: { toolUseId: 't1', name: 'get_weather', input: { city: 'Oslo' } } },
        { toolUse: { toolUseId: 't2', name: 'get_weather', input: { city: 'Rome' } } },
      ],
    });
    expect(input.messages?.[2]).toEqual({
      role: 'user',
      content: [
        { toolResult: { toolUseId: 't1', content: [{ text: 'cold' }] } },
        { toolResult: { toolUseId: 't2', content: [{ text: 'warm' }] } },
      ],
    });
    expect(input.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'get_weather', description: 'Current weather for a city', inputSchema: { json: weatherTool.parameters } } }],
      toolChoice: { tool: { name: 'get_weather' } },
    });
  });

  it('maps tool choice auto / required / none', () => {
    const msgs: ChatMessage[] = [{ role: 'user', content: 'x' }];
    expect(toConverseInput('m', msgs, { tools: [weatherTool] }).toolConfig?.toolChoice).toEqual({ auto: {} });
    expect(toConverseInput('m', msgs, { tools: [weatherTool], toolChoice: 'required' }).toolConfig?.toolChoice).toEqual({ any: {} });
    expect(toConverseInput('m', msgs, { tools: [weatherTool], toolChoice: 'none' }).toolConfig).toBeUndefined();
  });

  it('rejects unusable conversations with invalid_request', () => {
    expect(() => toConverseInput('m', [{ role: 'system', content: 'only system' }], {})).toThrow(/no user message/);
    expect(() => toConverseInput('m', [{ role: 'assistant', content: 'hi' }, { role: 'user', content: 'x' }], {})).toThrow(/start with a user message/);
    const bad = () => toConverseInput('m', [{ role: 'user', content: 'x' }, { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'f', arguments: '{oops' }] }], {});
    expect(bad).toThrow(StrataError);
    expect(bad).toThrow(/not valid JSON/);
  });

  it('maps stop reasons to finish reasons', () => {
    expect(mapStopReason('end_turn')).toBe('stop');
    expect(mapStopReason('stop_sequence')).toBe('stop');
    expect(mapStopReason('max_tokens')).toBe('length');
    expect(mapStopReason('tool_use')).toBe('tool_calls');
    expect(mapStopReason('guardrail_intervened')).toBe('content_filter');
    expect(mapStopReason('content_filtered')).toBe('content_filter');
  });

  it('maps a response with text, tool use and cache usage', () => {
    const r = fromConverseOutput(
      {
        $metadata: {},
        output: { message: { role: 'assistant', content: [{ text: 'Let me check.' }, { toolUse: { toolUseId: 't9', name: 'get_weather', input: { city: 'Oslo' } } }] } },
        stopReason: 'tool_use',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15, cacheReadInputTokens: 100, cacheWriteInputTokens: 7 },
        metrics: { latencyMs: 1 },
      },
      'm',
    );
    expect(r).toEqual({
      text: 'Let me check.',
      toolCalls: [{ id: 't9', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
      finishReason: 'tool_calls',
      usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 100, cacheWriteTokens: 7 },
      modelId: 'm',
    });
  });
});

describe('describeBedrockModelId', () => {
  it('classifies foundation ids, system profiles and application profile ARNs', () => {
    expect(describeBedrockModelId('anthropic.claude-3-haiku-20240307-v1:0')).toEqual({ baseModelId: 'anthropic.claude-3-haiku-20240307-v1:0', kind: 'foundation' });
    expect(describeBedrockModelId('us.anthropic.claude-3-5-sonnet-20241022-v2:0')).toEqual({ baseModelId: 'anthropic.claude-3-5-sonnet-20241022-v2:0', geo: 'us', kind: 'system-profile' });
    expect(describeBedrockModelId('us-gov.anthropic.claude-3-haiku-20240307-v1:0')).toMatchObject({ geo: 'us-gov', kind: 'system-profile' });
    expect(describeBedrockModelId('global.anthropic.claude-sonnet-4-20250514-v1:0')).toMatchObject({ geo: 'global', baseModelId: 'anthropic.claude-sonnet-4-20250514-v1:0' });
    expect(describeBedrockModelId('apac.amazon.nova-lite-v1:0')).toMatchObject({ geo: 'apac', baseModelId: 'amazon.nova-lite-v1:0' });
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc';
    expect(describeBedrockModelId(arn)).toEqual({ baseModelId: arn, kind: 'application-profile' });
    expect(describeBedrockModelId('arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.meta.llama3-2-1b-instruct-v1:0')).toEqual({
      baseModelId: 'meta.llama3-2-1b-instruct-v1:0',
      geo: 'eu',
      kind: 'system-profile',
    });
    expect(describeBedrockModelId('arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0')).toEqual({ baseModelId: 'amazon.titan-embed-text-v2:0', kind: 'foundation' });
  });
});

describe('mapBedrockError', () => {
  const table: [string, string, number, boolean, boolean][] = [
    ['ThrottlingException', 'upstream_throttled', 429, true, true],
    ['ServiceUnavailableException', 'upstream_unavailable', 503, true, true],
    ['ModelNotReadyException', 'upstream_unavailable', 503, true, true],
    ['ModelTimeoutException', 'upstream_timeout', 504, true, true],
    ['ModelErrorException', 'upstream_model_error', 502, true, true],
    ['InternalServerException', 'upstream_internal', 502, true, true],
    ['ValidationException', 'upstream_invalid_request', 400, false, false],
    ['AccessDeniedException', 'upstream_access_denied', 502, false, true],
    ['ResourceNotFoundException', 'upstream_not_found', 502, false, true],
    ['ServiceQuotaExceededException', 'upstream_quota_exceeded', 429, false, true],
    ['ModelStreamErrorException', 'upstream_stream_error', 502, true, true],
  ];
  it.each(table)('%s → %s', (name, code, status, retryable, fallbackAllowed) => {
    const e = Object.assign(new Error('upstream said no'), { name, $metadata: {} });
    const m = mapBedrockError(e, 'model-x');
    expect({ code: m.code, status: m.status, retryable: m.retryable, fallbackAllowed: m.fallbackAllowed, upstreamType: m.upstreamType }).toEqual({
      code,
      status,
      retryable,
      fallbackAllowed,
      upstreamType: name,
    });
    expect(m.message).toContain('model-x');
  });

  it('maps aborts, timeouts and socket errors', () => {
    const abort = mapBedrockError(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'm');
    expect([abort.code, abort.retryable, abort.fallbackAllowed]).toEqual(['upstream_timeout', true, true]);
    expect(mapBedrockError(Object.assign(new Error('t'), { name: 'TimeoutError' }), 'm').code).toBe('upstream_timeout');
    for (const code of ['ECONNRESET', 'ECONNREFUSED']) {
      const e = mapBedrockError(Object.assign(new Error(`connect ${code}`), { code }), 'm');
      expect([e.code, e.retryable, e.fallbackAllowed, e.upstreamType]).toEqual(['upstream_connection', true, true, code]);
    }
  });

  it('reads retry-after from the raw response', () => {
    const e = Object.assign(new Error('slow down'), { name: 'ThrottlingException', $response: { statusCode: 429, headers: { 'retry-after': '7' } } });
    expect(mapBedrockError(e, 'm').retryAfterMs).toBe(7000);
  });
});

describe('Bedrock chat model against the simulator', () => {
  let sim: SimulatorHandle;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    // The default AWS credential chain needs some credentials even against the simulator.
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) saved[k] = process.env[k];
    process.env.AWS_ACCESS_KEY_ID = 'AKIDSIMULATOR';
    process.env.AWS_SECRET_ACCESS_KEY = 'simulator-secret';
    sim = await startSimulator({ protocol: 'bedrock' });
  });
  afterEach(() => {
    sim.update({ fail: {}, failNext: {} });
    sim.update(JSON.parse('{"rpm":null}') as object);
    sim.reset();
  });
  afterAll(async () => {
    closeBedrockClients();
    await sim.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const model = (modelId = 'anthropic.claude-3-haiku-20240307-v1:0') => createBedrockChatModel({ modelId, endpoint: sim.url, region: 'us-east-1' });

  it('chats with system prompts and reports usage', async () => {
    const m = model();
    expect(m.provider).toBe('bedrock');
    const r = await m.chat({ messages: [{ role: 'system', content: 'You are brief.' }, { role: 'user', content: 'Name three primes.' }], params: {} });
    expect(r.text).toBe('Name three primes.');
    expect(r.finishReason).toBe('stop');
    expect(r.modelId).toBe('anthropic.claude-3-haiku-20240307-v1:0');
    expect(r.usage).toEqual({ inputTokens: countTokens('You are brief.') + countTokens('Name three primes.'), outputTokens: countTokens('Name three primes.'), cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  it('maps max_tokens to length', async () => {
    const r = await model().chat({ messages: [{ role: 'user', content: 'one two three four five six seven' }], params: { maxTokens: 2 } });
    expect(r.finishReason).toBe('length');
    expect(r.usage.outputTokens).toBe(2);
  });

  it('merges consecutive user messages so Bedrock accepts them', async () => {
    const r = await model().chat({ messages: [{ role: 'user', content: 'part one' }, { role: 'user', content: 'part two' }], params: {} });
    expect(r.text).toBe('part one\npart two');
  });

  it('round-trips a tool call', async () => {
    const m = model();
    const first = await m.chat({ messages: [{ role: 'user', content: 'call tool get_weather' }], params: { tools: [weatherTool] } });
    expect(first.finishReason).toBe('tool_calls');
    expect(first.toolCalls).toHaveLength(1);
    const call = first.toolCalls[0]!;
    expect(call.name).toBe('get_weather');
    expect(JSON.parse(call.arguments)).toEqual({ city: 'call tool get_weather' });
    const second = await m.chat({
      messages: [
        { role: 'user', content: 'call tool get_weather' },
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
        { role: 'tool', content: 'Sunny, 21°C', toolCallId: call.id },
      ],
      params: { tools: [weatherTool] },
    });
    expect(second.finishReason).toBe('stop');
    expect(second.text).toBe('Sunny, 21°C');
  });

  it('streams text chunks and one final finish chunk with usage', async () => {
    const text = 'Streaming through the provider yields text chunks and then a finish.';
    const chunks = await drain(model(), [{ role: 'user', content: text }]);
    const texts = chunks.filter((c) => c.type === 'text');
    expect(texts.length).toBeGreaterThan(2);
    expect(texts.map((c) => c.text).join('')).toBe(text);
    const finishes = chunks.filter((c) => c.type === 'finish');
    expect(finishes).toEqual([{ type: 'finish', finishReason: 'stop', usage: { inputTokens: countTokens(text), outputTokens: countTokens(text), cacheReadTokens: 0, cacheWriteTokens: 0 } }]);
    expect(chunks.at(-1)?.type).toBe('finish');
  });

  it('streams tool calls as indexed deltas', async () => {
    const chunks = await drain(model(), [{ role: 'user', content: 'call tool get_weather now' }], { tools: [weatherTool] });
    const calls = chunks.filter((c) => c.type === 'tool_call');
    expect(calls[0]).toMatchObject({ index: 0, name: 'get_weather', argumentsDelta: '' });
    expect(calls[0]?.type === 'tool_call' ? calls[0].id : undefined).toMatch(/^tooluse_/);
    const args = calls.map((c) => (c.type === 'tool_call' ? c.argumentsDelta : '')).join('');
    expect(JSON.parse(args)).toEqual({ city: 'call tool get_weather now' });
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool_calls' });
  });

  it('passes inference profile ids and ARNs through to Bedrock', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc';
    await model('us.anthropic.claude-3-5-sonnet-20241022-v2:0').chat({ messages: [{ role: 'user', content: 'hi' }], params: {} });
    await drain(model(arn), [{ role: 'user', content: 'hi' }]);
    expect(Object.keys(sim.counts()).sort()).toEqual([arn, 'us.anthropic.claude-3-5-sonnet-20241022-v2:0'].sort());
  });

  const injected: [string, string, boolean, boolean][] = [
    ['ThrottlingException', 'upstream_throttled', true, true],
    ['ServiceUnavailableException', 'upstream_unavailable', true, true],
    ['ModelNotReadyException', 'upstream_unavailable', true, true],
    ['ModelTimeoutException', 'upstream_timeout', true, true],
    ['ModelErrorException', 'upstream_model_error', true, true],
    ['InternalServerException', 'upstream_internal', true, true],
    ['ValidationException', 'upstream_invalid_request', false, false],
    ['AccessDeniedException', 'upstream_access_denied', false, true],
    ['ResourceNotFoundException', 'upstream_not_found', false, true],
    ['ServiceQuotaExceededException', 'upstream_quota_exceeded', false, true],
  ];
  it.each(injected)('real %s from the wire → %s', async (type, code, retryable, fallbackAllowed) => {
    sim.update({ failNext: { [type]: 1 } });
    const e = await caught(model().chat({ messages: [{ role: 'user', content: 'zebra-secret-prompt' }], params: {} }));
    expect([e.code, e.retryable, e.fallbackAllowed, e.upstreamType]).toEqual([code, retryable, fallbackAllowed, type]);
    expect(e.message).not.toContain('zebra');
  });

  it('an error before the stream starts is mapped the same way', async () => {
    sim.update({ failNext: { ThrottlingException: 1 } });
    const e = await caught(drain(model(), [{ role: 'user', content: 'hi' }]));
    expect(e.code).toBe('upstream_throttled');
  });

  it('quota throttling carries retryAfterMs', async () => {
    sim.update({ rpm: 1 });
    const m = model('quota-model');
    await m.chat({ messages: [{ role: 'user', content: 'one' }], params: {} });
    const e = await caught(m.chat({ messages: [{ role: 'user', content: 'two' }], params: {} }));
    expect(e.code).toBe('upstream_throttled');
    expect(e.retryAfterMs).toBeGreaterThan(0);
  });

  it('a stream that breaks mid-response yields tokens, then throws upstream_stream_error', async () => {
    sim.update({ failNext: { MidStreamException: 1 } });
    const got: ChatChunk[] = [];
    const e = await caught(
      (async () => {
        for await (const ch of model().stream({ messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }], params: {} })) got.push(ch);
      })(),
    );
    expect(e.code).toBe('upstream_stream_error');
    expect(e.upstreamType).toBe('ModelStreamErrorException');
    expect([e.retryable, e.fallbackAllowed]).toEqual([true, true]);
    expect(got.some((c) => c.type === 'text')).toBe(true);
    expect(got.some((c) => c.type === 'finish')).toBe(false);
  });

  it('an aborted request (hung upstream) → upstream_timeout', async () => {
    sim.update({ failNext: { Hang: 1 } });
    const e = await caught(model().chat({ messages: [{ role: 'user', content: 'hi' }], params: {}, signal: AbortSignal.timeout(300) }));
    expect([e.code, e.retryable, e.fallbackAllowed]).toEqual(['upstream_timeout', true, true]);
  });

  it('a reset connection → upstream_connection, retryable', async () => {
    sim.update({ failNext: { ConnectionReset: 1 } });
    const e = await caught(model().chat({ messages: [{ role: 'user', content: 'hi' }], params: {} }));
    expect([e.code, e.retryable, e.fallbackAllowed]).toEqual(['upstream_connection', true, true]);
  });

  it('a refused connection → upstream_connection', async () => {
    const gone = await startSimulator({ protocol: 'bedrock' });
    const url = gone.url;
    await gone.close();
    const e = await caught(createBedrockChatModel({ modelId: 'm', endpoint: url }).chat({ messages: [{ role: 'user', content: 'hi' }], params: {} }));
    expect(e.code).toBe('upstream_connection');
    expect(e.upstreamType).toBe('ECONNREFUSED');
  });

  it('embeds with Titan v2 through InvokeModel', async () => {
    const em = createBedrockEmbeddingModel({ endpoint: sim.url, dimensions: 256 });
    const r = await em.embed({ texts: ['alpha', 'beta', 'alpha'] });
    expect(r.vectors.map((v) => v.length)).toEqual([256, 256, 256]);
    expect(Array.from(r.vectors[0]!)).toEqual(Array.from(r.vectors[2]!));
    expect(Array.from(r.vectors[0]!)).not.toEqual(Array.from(r.vectors[1]!));
    expect(r.usage.inputTokens).toBe(2 * countTokens('alpha') + countTokens('beta'));
    expect(sim.counts()['amazon.titan-embed-text-v2:0']?.ok).toBe(3);
    await expect(em.embed({ texts: ['x'], dimensions: 300 })).rejects.toThrow(/256, 512 or 1024/);
  });

  it('embeds with Cohere Embed: documents and queries as their own input types, batches of at most 96', async () => {
    const em = createCohereEmbeddingModel({ modelId: 'cohere.embed-english-v3', endpoint: sim.url });
    expect(em.dimensions).toBe(1024);
    const texts = Array.from({ length: 100 }, (_, i) => `passage ${i % 50}`);
    const docs = await em.embed({ texts, inputType: 'document' });
    expect(docs.vectors).toHaveLength(100);
    expect(docs.vectors.every((v) => v.length === 1024)).toBe(true);
    expect(Array.from(docs.vectors[0]!)).toEqual(Array.from(docs.vectors[50]!));
    // 100 texts: two calls (96 + 4)
    expect(sim.counts()['cohere.embed-english-v3']?.ok).toBe(2);
    const query = await em.embed({ texts: ['passage 0'], inputType: 'query' });
    // the same text embedded as a query differs from it embedded as a document (search_query vs search_document)
    expect(Array.from(query.vectors[0]!)).not.toEqual(Array.from(docs.vectors[0]!));
    const v4 = createCohereEmbeddingModel({ modelId: 'us.cohere.embed-v4:0', endpoint: sim.url, dimensions: 512 });
    expect((await v4.embed({ texts: ['a'] })).vectors[0]).toHaveLength(512);
    expect(() => createCohereEmbeddingModel({ modelId: 'cohere.embed-english-v3', dimensions: 512 })).toThrow(/1024/);
    expect(isCohereEmbedModel('cohere.embed-multilingual-v3')).toBe(true);
    expect(isCohereEmbedModel('amazon.titan-embed-text-v2:0')).toBe(false);
  });
});
