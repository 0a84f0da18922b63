import { describe, expect, it } from 'vitest';
import { LexicalCrossScorer, lexicalRelevanceScores, termMatchStrength } from '../../../src/rag/rerank/index.js';
import { caught } from '../../helpers/caught.js';

const scorer = new LexicalCrossScorer();

describe('LexicalCrossScorer', () => {
  it('puts the passage that answers the question above keyword-stuffed and off-topic ones', async () => {
    const question = 'How do I reset my password when I no longer have access to my email account?';
    const docs = [
      'Our office is closed on public holidays. Parking is available behind the building for visitors.',
      'Password password password. Reset reset reset. Password reset password reset password reset.',
      'To reset your password without access to your email account, open the sign-in page, choose "Forgot password" and verify your identity by phone; support can then change the email address on the account.',
      'Email newsletters are sent every Monday. You can unsubscribe from the email at any time.',
    ];
    const ranked = await scorer.rerank(question, docs);
    expect(ranked.map((r) => r.index)).toEqual([2, 1, 3, 0]);
    expect(ranked[0]!.relevanceScore).toBeGreaterThan(ranked[1]!.relevanceScore);
    for (const r of ranked) {
      expect(r.relevanceScore).toBeGreaterThanOrEqual(0);
      expect(r.relevanceScore).toBeLessThanOrEqual(1);
    }
    expect(ranked.at(-1)!.relevanceScore).toBe(0);
  });

  it('prefers the query words together and in order over the same words scattered', async () => {
    const docs = [
      'The rate of change in the limit was reviewed; a token count appeared later in the bucket report.',
      'A token bucket rate limit refills at a fixed rate, so bursts drain the bucket and later requests wait.',
    ];
    const ranked = await scorer.rerank('token bucket rate limit', docs);
    expect(ranked[0]!.index).toBe(1);
  });

  it('counts a rare exact identifier above common words', async () => {
    const docs = ['Release notes for the storage service, version update and support policy.', 'Incident INC-48213 affected the storage service for ten minutes.'];
    const ranked = await scorer.rerank('storage service incident INC-48213', docs);
    expect(ranked[0]!.index).toBe(1);
  });

  it('matches word forms the stemmer leaves apart, but never look-alike identifiers', () => {
    expect(termMatchStrength('configur', 'configur')).toBe(1);
    expect(termMatchStrength('replicat', 'replicas')).toBeGreaterThan(0);
    expect(termMatchStrength('replicat', 'replicas')).toBeLessThan(1);
    expect(termMatchStrength('qx7341', 'qx7314')).toBe(0);
    expect(termMatchStrength('qx73410', 'qx73418')).toBe(0);
    expect(termMatchStrength('cat', 'catalog')).toBe(0);
    // A known limit of prefix matching: unrelated words with one long start still count, but only partially.
    expect(termMatchStrength('internet', 'international')).toBeLessThan(0.75);
  });

  it('returns topN results, best first', async () => {
    const docs = ['apples', 'bananas and apples', 'cherries', 'apples apples and bananas'];
    const ranked = await scorer.rerank('apples bananas', docs, { topN: 2 });
    expect(ranked).toHaveLength(2);
    expect(new Set(ranked.map((r) => r.index))).toEqual(new Set([1, 3]));
    expect(await scorer.rerank('apples', docs, { topN: 10 })).toHaveLength(4);
  });

  it('breaks ties by input order and is deterministic', async () => {
    const docs = ['same words here', 'unrelated', 'same words here', 'same words here'];
    const first = await scorer.rerank('same words', docs);
    expect(first.map((r) => r.index)).toEqual([0, 2, 3, 1]);
    expect(await scorer.rerank('same words', docs)).toEqual(first);
  });

  it('handles empty input: no documents, a query of only stop words', async () => {
    expect(await scorer.rerank('anything', [])).toEqual([]);
    const ranked = await scorer.rerank('the and of', ['a text', 'another text']);
    expect(ranked.map((r) => [r.index, r.relevanceScore])).toEqual([[0, 0], [1, 0]]);
    expect(lexicalRelevanceScores('query', ['', 'query'])).toEqual([0, expect.any(Number)]);
  });

  it('rejects a bad topN and an aborted request with a StrataError', async () => {
    for (const topN of [0, -1, 1.5, Number.NaN]) {
      const e = await caught(scorer.rerank('q', ['d'], { topN }));
      expect(e).toMatchObject({ code: 'invalid_request' });
    }
    const ac = new AbortController();
    ac.abort();
    expect(await caught(scorer.rerank('q', ['d'], { signal: ac.signal }))).toMatchObject({ code: 'deadline_exceeded' });
  });

  it('names itself honestly', () => {
    expect(scorer.name).toBe('local/lexical');
  });
});
