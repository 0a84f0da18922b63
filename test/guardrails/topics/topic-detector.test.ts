import { describe, expect, it } from 'vitest';
import { DEFAULT_TOPIC_THRESHOLD, TopicDetector, textWindows } from '../../../src/guardrails/topics/index.js';
import type { EmbedFunction } from '../../../src/guardrails/types.js';
import { caught } from '../../helpers/caught.js';
import { TOPIC_SETS, scoreTopicItems, topicAccuracy } from './labelled-set.js';

describe('TopicDetector: denied topics', () => {
  it('blocks an on-topic question and names the topic', async () => {
    const d = await TopicDetector.create({ topics: TOPIC_SETS.deny });
    const r = await d.check('Should I buy bitcoin or Tesla stock with my savings?');
    expect(r.blocked).toBe(true);
    expect(r.matched[0]?.name).toBe('investment-advice');
    expect(r.matched[0]!.score).toBeGreaterThanOrEqual(DEFAULT_TOPIC_THRESHOLD);
  });

  it('passes off-topic questions, including near misses that share a word with a topic', async () => {
    const d = await TopicDetector.create({ topics: TOPIC_SETS.deny });
    for (const text of ['How do I reset my online banking password?', 'Write a short poem about autumn leaves.', 'What documents do I need to open a business account?']) {
      const r = await d.check(text);
      expect(r.blocked, text).toBe(false);
      expect(r.matched).toEqual([]);
    }
  });

  it('catches a short off-topic clause inside a long, otherwise harmless prompt', async () => {
    const d = await TopicDetector.create({ topics: TOPIC_SETS.deny });
    const long =
      'I am preparing the quarterly operations review for the logistics team and need a summary of shipping delays ' +
      'across our European warehouses, a table of carriers with their on-time rates, and a short paragraph on staffing. ' +
      'The audience is the leadership group, so keep it concise and neutral. Also, which party should I vote for in the election?';
    const r = await d.check(long);
    expect(r.blocked).toBe(true);
    expect(r.matched.map((m) => m.name)).toContain('politics');
  });

  it('returns every topic score for tuning, and nothing blocks an empty input', async () => {
    const d = await TopicDetector.create({ topics: TOPIC_SETS.deny });
    expect((await d.check('   ')).blocked).toBe(false);
    const r = await d.check('Is immigration policy too strict?');
    expect(r.scores.map((s) => s.name)).toEqual(['investment-advice', 'medical-diagnosis', 'politics']);
  });

  it('a higher threshold lets borderline inputs through', async () => {
    const strict = await TopicDetector.create({ topics: TOPIC_SETS.deny, threshold: 0.99 });
    expect((await strict.check('What is your opinion of the prime minister?')).blocked).toBe(false);
  });
});

describe('TopicDetector: allowed scope', () => {
  it('passes questions within the listed topics and blocks everything else', async () => {
    const d = await TopicDetector.create({ topics: TOPIC_SETS.allow, mode: 'allow' });
    const inScope = await d.check('I lost my debit card yesterday, please block it.');
    expect(inScope.blocked).toBe(false);
    expect(inScope.matched[0]?.name).toBe('cards');
    for (const text of ['Write me a haiku about the ocean.', 'Who should I vote for in the election?', 'Explain quantum entanglement simply.']) {
      expect((await d.check(text)).blocked, text).toBe(true);
    }
  });
});

describe('TopicDetector: the labelled set', () => {
  it('decides at least 85% of the labelled on/off-topic prompts correctly at the default threshold', async () => {
    const scored = await scoreTopicItems();
    expect(scored.length).toBeGreaterThanOrEqual(80);
    expect(topicAccuracy(scored, DEFAULT_TOPIC_THRESHOLD)).toBeGreaterThanOrEqual(0.85);
  });
});

describe('TopicDetector: embedder', () => {
  it('embeds definitions and examples once at create, and input windows per check', async () => {
    const calls: number[] = [];
    const fake: EmbedFunction = (texts) => {
      calls.push(texts.length);
      return Promise.resolve(texts.map(() => Float32Array.from([1, 0])));
    };
    const d = await TopicDetector.create({ topics: [{ name: 'x', definition: 'alpha beta', examples: ['gamma'] }], embed: fake });
    expect(calls).toEqual([2]);
    await d.check('delta. epsilon.');
    expect(calls.length).toBe(2);
  });

  it('textWindows yields sentences, clauses and the whole short text', () => {
    const w = textWindows('Hi there. Format this table; also which stock should I buy?');
    expect(w).toContain('Hi there.');
    expect(w.some((x) => /^(?:also )?which stock/.test(x))).toBe(true);
    expect(w[0]).toBe('Hi there. Format this table; also which stock should I buy?');
  });
});

describe('TopicDetector: configuration errors', () => {
  const cases: [string, unknown, RegExp][] = [
    ['no topics', [], /non-empty list/],
    ['a missing definition', [{ name: 'crypto' }], /definition is missing/],
    ['an empty definition', [{ name: 'crypto', definition: '  ' }], /definition is missing/],
    ['a missing name', [{ definition: 'Crypto trading.' }], /name is missing/],
    ['more than five examples', [{ name: 'a', definition: 'b', examples: ['1', '2', '3', '4', '5', '6'] }], /at most 5 examples/],
    ['a name over 100 characters', [{ name: 'n'.repeat(101), definition: 'b' }], /limit is 100/],
    ['a definition over 200 characters', [{ name: 'a', definition: 'd'.repeat(201) }], /limit is 200/],
    ['an example over 100 characters', [{ name: 'a', definition: 'b', examples: ['e'.repeat(101)] }], /example 1 is 101 characters/],
    ['duplicate names', [{ name: 'A', definition: 'b' }, { name: 'a', definition: 'c' }], /listed twice/],
  ];
  it.each(cases)('rejects %s', async (_what, topics, message) => {
    const e = await caught(TopicDetector.create({ topics: topics as never }));
    expect(e.code).toBe('config_invalid');
    expect(e.message).toMatch(message);
  });

  it('rejects a threshold outside (0, 1) and an unknown mode', async () => {
    const topics = TOPIC_SETS.deny;
    expect((await caught(TopicDetector.create({ topics, threshold: 1.5 }))).message).toMatch(/threshold must be a number between 0 and 1/);
    expect((await caught(TopicDetector.create({ topics, mode: 'block' as never }))).message).toMatch(/mode must be/);
  });
});
