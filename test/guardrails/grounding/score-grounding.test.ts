import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GROUNDING_THRESHOLD,
  DEFAULT_RELEVANCE_THRESHOLD,
  blocksAt,
  extractEntities,
  extractNumbers,
  scoreGrounding,
  splitClaims,
} from '../../../src/guardrails/grounding/index.js';
import { caught } from '../../helpers/caught.js';

const sources = [
  'The Eiffel Tower was completed in 1889 for the World\'s Fair in Paris. It is 330 metres tall, including its antennas.',
  "Gustave Eiffel's company designed and built the tower.",
];
const question = 'When was the Eiffel Tower completed and how tall is it?';
const supported = 'The Eiffel Tower was completed in 1889 and is 330 metres tall.';
const partly = 'The Eiffel Tower was completed in 1889. It is the most visited paid monument in the world, with 7 million visitors a year.';
const unsupported = 'The tower is painted gold every spring by volunteers from Lyon.';

describe('scoreGrounding', () => {
  it('scores supported > partly supported > unsupported answers, and blocks at the threshold', async () => {
    const [s, p, u] = await Promise.all([supported, partly, unsupported].map((answer) => scoreGrounding({ sources, question, answer })));
    expect(s!.grounding).toBeGreaterThan(p!.grounding);
    expect(p!.grounding).toBeGreaterThan(u!.grounding);
    expect(blocksAt(s!, { grounding: DEFAULT_GROUNDING_THRESHOLD }).blocked).toBe(false);
    expect(blocksAt(p!, { grounding: DEFAULT_GROUNDING_THRESHOLD }).grounding).toBe(true);
    expect(blocksAt(u!, { grounding: DEFAULT_GROUNDING_THRESHOLD }).blocked).toBe(true);
    expect(p!.claims.map((c) => c.supported)).toEqual([true, false]);
  });

  it('a claim with a number or entity the sources lack is unsupported, however close its wording', async () => {
    const r = await scoreGrounding({ sources, question, answer: 'The Eiffel Tower was completed in 1901 and is 330 metres tall.' });
    expect(r.claims[0]!.supported).toBe(false);
    expect(r.claims[0]!.missingNumbers).toEqual(['1901']);
    const e = await scoreGrounding({ sources, question: 'Who built it?', answer: "Gustave Eiffel's company designed and built the tower in Lyon." });
    expect(e.claims[0]!.missingEntities).toEqual(['lyon']);
    expect(e.grounding).toBeLessThan(DEFAULT_GROUNDING_THRESHOLD);
  });

  it('normalises numbers: 1,000 = 1000, 5% = 5 percent, 2.1 million = 2100000', async () => {
    const src = ['The plan includes 1,000 GB. Late fees are 5% of the balance. Revenue was $2.1 million.'];
    const r = await scoreGrounding({ sources: src, question: 'What are the plan details?', answer: 'The plan includes 1000 GB. Late fees are 5 percent of the balance. Revenue was 2,100,000 dollars.' });
    expect(r.claims.every((c) => c.missingNumbers === undefined)).toBe(true);
    expect(r.claims.every((c) => c.supported)).toBe(true);
  });

  it('"I don\'t know" answers are not ungrounded but have low relevance', async () => {
    const r = await scoreGrounding({ sources, question, answer: "I don't know; the sources don't say." });
    expect(r.claims).toEqual([]);
    expect(r.grounding).toBe(1);
    expect(blocksAt(r, { relevance: DEFAULT_RELEVANCE_THRESHOLD }).relevance).toBe(true);
  });

  it('a grounded answer to a different question has low relevance', async () => {
    const on = await scoreGrounding({ sources, question, answer: supported });
    const off = await scoreGrounding({ sources, question, answer: "Gustave Eiffel's company designed and built the tower." });
    expect(off.grounding).toBeGreaterThanOrEqual(DEFAULT_GROUNDING_THRESHOLD);
    expect(on.relevance).toBeGreaterThan(off.relevance);
    expect(off.relevance).toBeLessThan(DEFAULT_RELEVANCE_THRESHOLD);
    expect(on.relevance).toBeGreaterThanOrEqual(DEFAULT_RELEVANCE_THRESHOLD);
  });

  it('rejects malformed input and thresholds outside 0–0.99', async () => {
    expect((await caught(scoreGrounding({ sources: 'x', question: 'q', answer: 'a' } as never))).code).toBe('invalid_request');
    expect((await caught(scoreGrounding({ sources: [], question: 1, answer: 'a' } as never))).message).toMatch(/question must be a string/);
    const r = { grounding: 0.5, relevance: 0.5 };
    expect((await caught(Promise.resolve().then(() => blocksAt(r, { grounding: 1 })))).code).toBe('config_invalid');
    expect(blocksAt(r, { grounding: 0 }).blocked).toBe(false);
    expect(blocksAt(r, { grounding: 0.99, relevance: 0.2 })).toEqual({ grounding: true, relevance: false, blocked: true });
  });
});

describe('claims, numbers and entities', () => {
  it('splits sentences and independent clauses, skipping questions and refusals', () => {
    const { claims, nonAnswers } = splitClaims(
      'Refunds take 5 days, and the shipping costs are always covered by the store. Anything else? I am not sure about gift cards.',
    );
    expect(claims).toEqual(['Refunds take 5 days', 'the shipping costs are always covered by the store.']);
    expect(nonAnswers).toEqual(['I am not sure about gift cards.']);
  });

  it('leaves citation markers out of claims: a cited answer is split the same as an uncited one', () => {
    expect(splitClaims('Laptops carry a two-year warranty. [1] Phones carry a one-year warranty. [1, 2] Returns take 30 days [3].').claims).toEqual([
      'Laptops carry a two-year warranty.',
      'Phones carry a one-year warranty.',
      'Returns take 30 days.',
    ]);
  });

  it('extracts canonical numbers and named entities', () => {
    expect([...extractNumbers('It costs $1,250 (5 percent off), or 3 thousand for two.')]).toEqual(['1250', '5%', '3000', '2']);
    expect(extractEntities('In 1911 Marie Curie won a prize in Stockholm; NASA and GPT-4 came later.')).toEqual(['marie curie', 'stockholm', 'nasa', 'gpt-4']);
  });
});

describe('the labelled set', () => {
  const items = readFileSync(new URL('../../../src/guardrails/grounding/data/labelled.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { sources: string[]; question: string; answer: string; label: string; relevant: boolean });

  it('has at least 60 items and orders mean scores grounded > partly > ungrounded', async () => {
    expect(items.length).toBeGreaterThanOrEqual(60);
    const means: Record<string, number[]> = { grounded: [], partly: [], ungrounded: [] };
    let correct = 0;
    for (const it of items) {
      const r = await scoreGrounding(it);
      means[it.label]!.push(r.grounding);
      if ((r.grounding >= DEFAULT_GROUNDING_THRESHOLD) === (it.label === 'grounded')) correct++;
    }
    const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(avg(means.grounded!)).toBeGreaterThan(avg(means.partly!));
    expect(avg(means.partly!)).toBeGreaterThan(avg(means.ungrounded!));
    expect(correct / items.length).toBeGreaterThanOrEqual(0.9);
  });
});
