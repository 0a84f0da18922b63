import { describe, expect, it } from 'vitest';
import { StrataError, countTokens, decodeTokens, encodeTokens, type ChatChunk, type ChatRequest } from '../../src/core/index.js';
import { createLocalExtractiveModel, splitSentences } from '../../src/providers/local/index.js';

const model = createLocalExtractiveModel();

const HANDBOOK = [
  'Acme Corp was founded in 1998 by Dr. Jane Holt in Leeds.',
  'Employees receive 25 days of paid holiday per year, e.g. for travel or rest.',
  'The office opens at 8.30 and closes at 18.00 on weekdays.',
  'Expense claims must be submitted within 30 days of purchase.',
  'Claims above 500 pounds need approval from a department head.',
  'The cafeteria serves vegetarian meals every day.',
].join(' ');

function ask(question: string, context?: string, extra: Partial<ChatRequest['params']> = {}): ChatRequest {
  const messages: ChatRequest['messages'] = [];
  if (context !== undefined) messages.push({ role: 'system', content: context });
  messages.push({ role: 'user', content: question });
  return { messages, params: extra };
}

async function collect(stream: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

describe('sentence splitting', () => {
  it('keeps abbreviations, initials, decimals and URLs inside sentences', () => {
    expect(
      splitSentences('Dr. Smith paid $3.5 million, e.g. Amazon stock. See https://example.com/a.b for more! The U.S. Army agreed. J. Doe signed.'),
    ).toEqual(['Dr. Smith paid $3.5 million, e.g. Amazon stock.', 'See https://example.com/a.b for more!', 'The U.S. Army agreed.', 'J. Doe signed.']);
  });

  it('breaks at blank lines, list items and titles but joins hard-wrapped lines', () => {
    expect(splitSentences('Steps to follow:\n- open the app\n- sign in\n\nRefund policy\nRefunds are paid\nwithin a week.')).toEqual([
      'Steps to follow:',
      '- open the app',
      '- sign in',
      'Refund policy',
      'Refunds are paid within a week.',
    ]);
  });
});

describe('memoised token counting', () => {
  it('matches the cl100k tokenizer exactly, including whitespace runs, unicode and long pieces', () => {
    const texts = [
      HANDBOOK,
      'Größe   ünd\n\n\tweiß 🙂🙂 日本語のテキスト   ',
      `id=${'a1b2c3d4'.repeat(20)} <|endoftext|> 3.14159 1,000,000`,
      '',
    ];
    for (const t of texts) {
      expect(countTokens(t)).toBe(encodeTokens(t).length);
      expect(countTokens(t)).toBe(encodeTokens(t).length); // second call served from the memo
    }
  });

  it('counts a long run of one character in bounded time (the BPE is quadratic in a piece: pieces are sliced)', () => {
    // 200,000 identical characters took minutes before; sliced they are counted like 782 short pieces
    const run = 'x'.repeat(200_000);
    expect(countTokens(run)).toBe(encodeTokens(run).length);
    expect(countTokens(run)).toBeGreaterThan(20_000);
    expect(decodeTokens(encodeTokens(`a ${run} b`))).toBe(`a ${run} b`);
    // surrogate pairs are never cut: a long emoji run round-trips
    const emoji = '🙂'.repeat(5_000);
    expect(decodeTokens(encodeTokens(emoji))).toBe(emoji);
  });
});

describe('local extractive model', () => {
  it('finds an unlabelled question after a "Context:" block in the same message', async () => {
    const content = 'Context:\n[1] Breakers open after repeated failures.\n[2] The dashboard shows cost per tenant.\n\nWhat does the dashboard show?';
    const r = await model.chat({ messages: [{ role: 'user', content }], params: {} });
    expect(r.text).toBe('The dashboard shows cost per tenant. [2]');
    const plain = 'Context:\nThe cafeteria opens at eight. Parking is free for staff.\n\nIs parking free?';
    const p = await model.chat({ messages: [{ role: 'user', content: plain }], params: {} });
    expect(p.text).toBe('Parking is free for staff.');
  });

  it('answers with the context sentences that match the question', async () => {
    const r = await model.chat(ask('How many days of paid holiday do employees get?', HANDBOOK));
    expect(r.text).toBe('Employees receive 25 days of paid holiday per year, e.g. for travel or rest.');
    expect(r.finishReason).toBe('stop');
    expect(r.toolCalls).toEqual([]);
    expect(r.modelId).toBe('extractive');
    expect(model.provider).toBe('local');

    const claims = await model.chat(ask('Who must approve large expense claims?', HANDBOOK));
    expect(claims.text).toContain('Claims above 500 pounds need approval from a department head.');
    expect(claims.text).not.toContain('cafeteria');
  });

  it('keeps chosen sentences in their original order', async () => {
    const r = await model.chat(ask('When must expense claims be submitted, and which claims need approval?', HANDBOOK));
    const a = r.text.indexOf('Expense claims must be submitted');
    const b = r.text.indexOf('Claims above 500 pounds');
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThan(a);
  });

  it('cites numbered passages given in the last user message', async () => {
    const prompt = [
      'Answer the question using only the context below.',
      '',
      'Context:',
      '[1] The Eiffel Tower is in Paris. It was completed in 1889.',
      '[2] The Colosseum is in Rome. It could hold 50,000 spectators.',
      '[3] Big Ben is the nickname of the great bell in London.',
      '',
      'Question: When was the Eiffel Tower completed?',
    ].join('\n');
    const r = await model.chat({ messages: [{ role: 'user', content: prompt }], params: {} });
    expect(r.text).toContain('It was completed in 1889. [1]');
    expect(r.text).not.toContain('[2]');
    expect(r.text).not.toContain('[3]');
  });

  it('cites "Source n:" passages from earlier messages, with the question as the last user message', async () => {
    const r = await model.chat({
      messages: [
        { role: 'system', content: 'Source 1: Python was created by Guido van Rossum.\nSource 2: Rust was first released in 2015.' },
        { role: 'user', content: 'Which year was Rust released?' },
      ],
      params: {},
    });
    expect(r.text).toBe('Rust was first released in 2015. [2]');
  });

  it('says honestly what it is when there is no context, and how to configure a generative model', async () => {
    const r = await model.chat(ask('Write me a poem about the sea.'));
    expect(r.text).toContain("Strata's offline extractive model");
    expect(r.text).toContain('provider: bedrock');
    expect(r.text).toContain('provider: openai');
    expect(r.text).toContain('strata.yaml');
    expect(r.finishReason).toBe('stop');
  });

  it('says it found nothing relevant when no context sentence matches', async () => {
    const r = await model.chat(ask('What is the boiling point of mercury?', HANDBOOK));
    expect(r.text).toContain("Strata's offline extractive model");
    expect(r.text).toContain('none relevant');
  });

  it('does not treat its own earlier notice as context', async () => {
    const first = await model.chat(ask('Tell me a joke'));
    expect(first.text).toContain('contains no context');
    const r = await model.chat({
      messages: [
        { role: 'user', content: 'Tell me a joke' },
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'What does the extractive model answer from?' },
      ],
      params: {},
    });
    // had the notice been context, its sentences would have been extracted as the answer
    expect(r.text).toContain('none relevant');
    expect(r.text).not.toContain('contains no context');
  });

  it('ignores tools and never calls one', async () => {
    const r = await model.chat({
      ...ask('How many days of paid holiday do employees get?', HANDBOOK),
      params: { tools: [{ name: 'lookup', parameters: { type: 'object' } }], toolChoice: 'required' },
    });
    expect(r.toolCalls).toEqual([]);
    expect(r.finishReason).toBe('stop');
    expect(r.text).toContain('25 days');
  });

  it('is deterministic', async () => {
    const req = ask('What time does the office open?', HANDBOOK);
    const a = await model.chat(req);
    const b = await model.chat(req);
    expect(b).toEqual(a);
  });

  it('counts usage with the cl100k tokenizer', async () => {
    const req = ask('What time does the office open?', HANDBOOK);
    const r = await model.chat(req);
    expect(r.usage).toEqual({
      inputTokens: countTokens(HANDBOOK) + countTokens('What time does the office open?'),
      outputTokens: countTokens(r.text),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it('truncates to maxTokens and reports finish reason length', async () => {
    const full = await model.chat(ask('When must expense claims be submitted, and which claims need approval?', HANDBOOK));
    const short = await model.chat(ask('When must expense claims be submitted, and which claims need approval?', HANDBOOK, { maxTokens: 5 }));
    expect(short.finishReason).toBe('length');
    expect(short.usage.outputTokens).toBeLessThanOrEqual(5);
    expect(full.text.startsWith(short.text)).toBe(true);
    expect(full.finishReason).toBe('stop');
  });

  it('rejects a non-positive maxTokens with a clear error', async () => {
    await expect(model.chat(ask('q', HANDBOOK, { maxTokens: 0 }))).rejects.toBeInstanceOf(StrataError);
  });

  it('streams the same answer in small chunks, then a finish with the same usage', async () => {
    const req = ask('When must expense claims be submitted, and which claims need approval?', HANDBOOK);
    const result = await model.chat(req);
    const chunks = await collect(model.stream(req));
    const texts = chunks.filter((c) => c.type === 'text');
    expect(texts.length).toBeGreaterThan(3);
    expect(texts.map((c) => c.text).join('')).toBe(result.text);
    expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: result.finishReason, usage: result.usage });
  });

  it('fails with upstream_timeout when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(model.chat({ ...ask('q', HANDBOOK), signal: ac.signal })).rejects.toMatchObject({ code: 'upstream_timeout' });
  });
});
