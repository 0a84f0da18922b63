import { describe, expect, it } from 'vitest';
import type { ChatChunk, ToolCall } from '../../../src/core/index.js';
import { replayAsChunks, type CachedAnswer } from '../../../src/gateway/cache/index.js';

function answer(text: string, toolCalls: ToolCall[] = []): CachedAnswer {
  return {
    result: {
      text,
      toolCalls,
      finishReason: toolCalls.length > 0 ? 'tool_calls' : 'length',
      usage: { inputTokens: 120, outputTokens: 45, cacheReadTokens: 7, cacheWriteTokens: 3 },
      modelId: 'meta.llama3-8b-instruct-v1:0',
    },
    model: 'llama',
    provider: 'bedrock',
    providerModelId: 'meta.llama3-8b-instruct-v1:0',
    storedAt: 0,
  };
}

/** What a streaming client does with the chunks: concatenate text, merge tool-call deltas by index. */
function reassemble(chunks: ChatChunk[]) {
  let text = '';
  const calls: { id: string; name: string; arguments: string }[] = [];
  const finishes = chunks.filter((c) => c.type === 'finish');
  for (const c of chunks) {
    if (c.type === 'text') text += c.text;
    if (c.type === 'tool_call') {
      const call = (calls[c.index] ??= { id: '', name: '', arguments: '' });
      call.id = c.id ?? call.id;
      call.name = c.name ?? call.name;
      call.arguments += c.argumentsDelta;
    }
  }
  return { text, calls, finishes, last: chunks.at(-1) };
}

describe('replayAsChunks', () => {
  const texts = [
    'The capital of France is Paris.',
    '  leading and trailing spaces  ',
    'line one\n\nline two\ttabbed   and   spaced\n',
    '東京は日本の首都です。東京都には約千四百万人が住んでいます。大阪は二番目に大きい都市圏です。',
    'emoji 👩‍👩‍👧 and 🇫🇷 flags, https://example.com/a/very/long/path/that/keeps/going/and/going',
    '   \n ',
    'x',
  ];

  it.each(texts)('reassembles to exactly the original text: %j', (text) => {
    const r = reassemble(replayAsChunks(answer(text)));
    expect(r.text).toBe(text);
  });

  it('streams text in word-sized pieces, as a live model would', () => {
    const text = 'one two three four five six seven eight nine ten';
    const pieces = replayAsChunks(answer(text)).filter((c) => c.type === 'text');
    expect(pieces).toHaveLength(10);
    expect(pieces[0]).toEqual({ type: 'text', text: 'one ' });
    const long = replayAsChunks(answer(texts[3]!)).filter((c) => c.type === 'text');
    expect(long.length).toBeGreaterThan(1);
    for (const p of long) expect(Array.from(p.type === 'text' ? p.text : '').length).toBeLessThanOrEqual(24);
  });

  it('ends with one finish chunk carrying the original usage and finish reason', () => {
    const a = answer('done here');
    const r = reassemble(replayAsChunks(a));
    expect(r.finishes).toHaveLength(1);
    expect(r.last).toEqual({ type: 'finish', finishReason: 'length', usage: a.result.usage });
  });

  it('replays tool calls as one delta each, in order, after the text', () => {
    const calls = [
      { id: 'call_a', name: 'search', arguments: '{"q":"weather paris"}' },
      { id: 'call_b', name: 'convert', arguments: '{"from":"c","to":"f"}' },
    ];
    const chunks = replayAsChunks(answer('Let me check.', calls));
    const toolChunks = chunks.filter((c) => c.type === 'tool_call');
    expect(toolChunks).toEqual([
      { type: 'tool_call', index: 0, id: 'call_a', name: 'search', argumentsDelta: '{"q":"weather paris"}' },
      { type: 'tool_call', index: 1, id: 'call_b', name: 'convert', argumentsDelta: '{"from":"c","to":"f"}' },
    ]);
    const r = reassemble(chunks);
    expect(r.text).toBe('Let me check.');
    expect(r.calls).toEqual(calls);
    expect(r.last).toMatchObject({ type: 'finish', finishReason: 'tool_calls' });
  });

  it('sends no text chunk for an answer with no text', () => {
    const chunks = replayAsChunks(answer('', [{ id: 'c', name: 'f', arguments: '{}' }]));
    expect(chunks.map((c) => c.type)).toEqual(['tool_call', 'finish']);
  });
});
