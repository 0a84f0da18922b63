import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../../src/core/index.js';
import { startSimulator, type SimulatorHandle } from '../../src/load/simulator/index.js';
import { rejection } from '../helpers/caught.js';


describe('openai simulator with the openai SDK', () => {
  let sim: SimulatorHandle;
  let client: OpenAI;
  beforeAll(async () => {
    sim = await startSimulator({ protocol: 'openai' });
    client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-simulator', maxRetries: 0 });
  });
  afterEach(() => {
    sim.update({ fail: {}, failNext: {} });
    sim.reset();
  });
  afterAll(() => sim.close());

  it('answers chat completions with echo and token usage', async () => {
    const text = 'Tell me about token counting.';
    const r = await client.chat.completions.create({ model: 'llama3', messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: text }] });
    expect(r.choices[0]?.message.content).toBe(text);
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.usage).toEqual({ prompt_tokens: countTokens('sys') + countTokens(text), completion_tokens: countTokens(text), total_tokens: countTokens('sys') + 2 * countTokens(text) });
    expect(sim.counts().llama3?.ok).toBe(1);
  });

  it('streams chunks ending with usage when include_usage is set', async () => {
    const text = 'A streamed answer arrives in several chunk.completion.chunk events.';
    const stream = await client.chat.completions.create({ model: 'llama3', messages: [{ role: 'user', content: text }], stream: true, stream_options: { include_usage: true } });
    let joined = '';
    let finish: string | null = null;
    let usage: unknown;
    let chunks = 0;
    for await (const ch of stream) {
      chunks++;
      joined += ch.choices[0]?.delta.content ?? '';
      finish = ch.choices[0]?.finish_reason ?? finish;
      if (ch.usage) usage = ch.usage;
    }
    expect(joined).toBe(text);
    expect(chunks).toBeGreaterThan(3);
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: countTokens(text), completion_tokens: countTokens(text), total_tokens: 2 * countTokens(text) });
  });

  it('returns tool calls when asked to call a tool', async () => {
    const r = await client.chat.completions.create({
      model: 'llama3',
      messages: [{ role: 'user', content: 'call tool lookup' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
    });
    expect(r.choices[0]?.finish_reason).toBe('tool_calls');
    const call = r.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function : undefined).toEqual({ name: 'lookup', arguments: JSON.stringify({ q: 'call tool lookup' }) });
  });

  it('serves deterministic embeddings in float and base64', async () => {
    const a = await client.embeddings.create({ model: 'embed', input: ['hello world', 'other text'], dimensions: 64 });
    const b = await client.embeddings.create({ model: 'embed', input: 'hello world', dimensions: 64, encoding_format: 'float' });
    expect(a.data).toHaveLength(2);
    expect(a.data[0]?.embedding).toHaveLength(64);
    const va = a.data[0]!.embedding;
    const vb = b.data[0]!.embedding;
    for (let i = 0; i < 64; i++) expect(va[i]).toBeCloseTo(vb[i]!, 5);
    const norm = Math.sqrt(vb.reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 5);
    expect(a.usage.prompt_tokens).toBe(countTokens('hello world') + countTokens('other text'));
    const def = await client.embeddings.create({ model: 'embed', input: 'x', encoding_format: 'float' });
    expect(def.data[0]?.embedding).toHaveLength(256);
  });

  it('lists models it has seen', async () => {
    await client.chat.completions.create({ model: 'seen-model', messages: [{ role: 'user', content: 'hi' }] });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('seen-model');
  });

  it('a throttle surfaces as RateLimitError with retry-after', async () => {
    sim.update({ failNext: { ThrottlingException: 1 } });
    const err = await rejection(client.chat.completions.create({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as unknown as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('1');
  });

  it('maps injected errors to OpenAI statuses', async () => {
    const expected: Record<string, number> = { ServiceUnavailableException: 503, ValidationException: 400, AccessDeniedException: 403, ResourceNotFoundException: 404, ModelTimeoutException: 408, ModelErrorException: 500 };
    for (const [type, status] of Object.entries(expected)) {
      sim.update({ failNext: { [type]: 1 } });
      const err = await rejection(client.chat.completions.create({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] }));
      expect(err.status).toBe(status);
      expect((err.error as { type: string }).type).toBeTruthy();
    }
  });

  it('MidStreamException sends tokens, then an error event and an abrupt end', async () => {
    sim.update({ failNext: { MidStreamException: 1 } });
    const text = 'one two three four five six seven eight nine ten eleven twelve';
    const stream = await client.chat.completions.create({ model: 'llama3', messages: [{ role: 'user', content: text }], stream: true });
    let got = '';
    const err = await rejection(
      (async () => {
        for await (const ch of stream) got += ch.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(err).toBeInstanceOf(Error);
    expect(got.length).toBeGreaterThan(0);
    expect(text.startsWith(got)).toBe(true);
    expect(got).not.toBe(text);
  });

  it('rejects malformed chat requests with 400 invalid_request_error', async () => {
    const r = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }) });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('ConnectionReset fails the request with a connection error', async () => {
    sim.update({ failNext: { ConnectionReset: 1 } });
    const err = await rejection(client.chat.completions.create({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it('Hang answers nothing until the client aborts', async () => {
    sim.update({ failNext: { Hang: 1 } });
    const err = await rejection(client.chat.completions.create({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] }, { timeout: 300 }));
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });
});

describe('simulator lifecycle', () => {
  it('close() ends hung requests instead of waiting for them', async () => {
    const sim = await startSimulator({ protocol: 'openai', settings: { failNext: { Hang: 5 } } });
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const pending = rejection(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    await sim.close();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
  });
});
