import { describe, expect, it } from 'vitest';
import { candidatePool, retrieveWithRerank, type SearchFn } from '../../../src/rag/answer/index.js';
import type { RetrievalResult } from '../../../src/rag/kb/index.js';
import type { Reranker } from '../../../src/rag/rerank/index.js';

function results(n: number): RetrievalResult[] {
  return Array.from({ length: n }, (_, i) => ({
    content: { text: `chunk ${i}`, type: 'TEXT' as const },
    location: { type: 'CUSTOM' as const, customDocumentLocation: { id: `d${i}` } },
    metadata: { 'x-strata-chunk': i },
    score: 1 / (i + 1),
  }));
}

/** A search that records what it was asked for and returns that many chunks. */
function recordingSearch(): { search: SearchFn; asked: number[] } {
  const asked: number[] = [];
  return { asked, search: (_q, o) => (asked.push(o.k), Promise.resolve(results(o.k))) };
}

/** Scores a chunk by its number: the search's last candidate is the reranker's best. */
const reverse: Reranker = {
  name: 'test/reverse',
  rerank: (_q, docs, opts) => Promise.resolve(docs.map((d, index) => ({ index, relevanceScore: Number(d.split(' ')[1]) / 100 })).sort((a, b) => b.relevanceScore - a.relevanceScore).slice(0, opts?.topN)),
};

describe('retrieveWithRerank', () => {
  it('without rerank asks the search for exactly k', async () => {
    const { search, asked } = recordingSearch();
    const out = await retrieveWithRerank(search, { query: 'q', k: 7 }, () => reverse);
    expect(asked).toEqual([7]);
    expect(out).toHaveLength(7);
  });

  it('reranks a pool of 4k candidates (at most 100), keeps topN in the reranker order with its scores', async () => {
    expect([candidatePool(5, true), candidatePool(30, true), candidatePool(100, true), candidatePool(5, false)]).toEqual([20, 100, 100, 5]);
    const { search, asked } = recordingSearch();
    const out = await retrieveWithRerank(search, { query: 'q', k: 5, rerank: { topN: 2 } }, () => reverse);
    expect(asked).toEqual([20]);
    expect(out.map((r) => r.content.text)).toEqual(['chunk 19', 'chunk 18']);
    expect(out.map((r) => r.score)).toEqual([0.19, 0.18]);
  });

  it('topN defaults to k and is checked like numberOfResults', async () => {
    const { search } = recordingSearch();
    expect(await retrieveWithRerank(search, { query: 'q', k: 3, rerank: {} }, () => reverse)).toHaveLength(3);
    await expect(retrieveWithRerank(search, { query: 'q', k: 3, rerank: { topN: 0 } }, () => reverse)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(retrieveWithRerank(search, { query: ' ', k: 3 }, () => reverse)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(retrieveWithRerank(search, { query: 'q', k: 0 }, () => reverse)).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
