import { describe, expect, it } from 'vitest';
import type { ChatResult } from '../../src/core/index.js';
import type { InvocationMeta } from '../../src/gateway/index.js';
import { ChunkEncoder, chatCompletionJson } from '../../src/server/openai-wire.js';

const meta: InvocationMeta = { invocationId: 'inv_01abc', route: 'support', model: 'claude "haiku"', provider: 'bedrock', providerModelId: 'x', attempts: 1, fallbacks: 0, cache: 'hit' };

/** The OpenAI chat.completion object, built as an object: the text chatCompletionJson must write. */
function reference(result: ChatResult, created: number): string {
  const message: Record<string, unknown> = { role: 'assistant', content: result.toolCalls.length > 0 && result.text === '' ? null : result.text, refusal: null };
  if (result.toolCalls.length > 0) message.tool_calls = result.toolCalls.map((tc) => ({ id: tc.id, type: 'function', function: { name: tc.name, arguments: tc.arguments } }));
  const u = result.usage;
  return JSON.stringify({
    id: `chatcmpl-${meta.invocationId}`,
    object: 'chat.completion',
    created,
    model: meta.model,
    choices: [{ index: 0, message, finish_reason: result.finishReason, logprobs: null }],
    usage: { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens, prompt_tokens_details: { cached_tokens: u.cacheReadTokens } },
  });
}

const usage = { inputTokens: 12, outputTokens: 7, cacheReadTokens: 3, cacheWriteTokens: 0 };

describe('chatCompletionJson', () => {
  it('writes the same JSON text as the OpenAI object, for text, escapes, tool calls and an empty text with tools', () => {
    const results: ChatResult[] = [
      { text: 'Plain answer.', toolCalls: [], finishReason: 'stop', usage, modelId: 'm' },
      { text: 'quote " backslash \\ newline \n tab \t control \u0001 line sep \u2028 emoji 😀 ünï', toolCalls: [], finishReason: 'length', usage, modelId: 'm' },
      { text: '', toolCalls: [], finishReason: 'content_filter', usage: { ...usage, inputTokens: 0, outputTokens: 0 }, modelId: 'm' },
      { text: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }], finishReason: 'tool_calls', usage, modelId: 'm' },
      { text: 'Let me check.', toolCalls: [{ id: 'c1', name: 'a', arguments: '{}' }, { id: 'c2', name: 'b', arguments: '{"x":[1,2]}' }], finishReason: 'tool_calls', usage, modelId: 'm' },
    ];
    for (const r of results) {
      const text = chatCompletionJson(meta, r, 1_764_000_000);
      expect(text).toBe(reference(r, 1_764_000_000));
      expect(() => JSON.parse(text) as unknown).not.toThrow();
    }
  });

  it('writes a number JSON cannot hold as null, as JSON.stringify does', () => {
    const r: ChatResult = { text: 'x', toolCalls: [], finishReason: 'stop', usage: { ...usage, cacheReadTokens: Number.NaN }, modelId: 'm' };
    expect(chatCompletionJson(meta, r, 1)).toBe(reference(r, 1));
  });
});

describe('ChunkEncoder', () => {
  it('ends a stream with the finish reason and, when asked, the usage object', () => {
    const out = new ChunkEncoder(meta, 5, true).encode({ type: 'finish', finishReason: 'stop', usage });
    const events = out.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.slice('data: '.length)) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ id: 'chatcmpl-inv_01abc', object: 'chat.completion.chunk', created: 5, model: meta.model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    expect(events[1]).toEqual({ id: 'chatcmpl-inv_01abc', object: 'chat.completion.chunk', created: 5, model: meta.model, choices: [], usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 3 } } });
  });
});
