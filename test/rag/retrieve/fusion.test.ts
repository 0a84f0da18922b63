import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from '../../../src/rag/retrieve/index.js';

const list = (...ids: string[]) => ids.map((id, i) => ({ id, score: 100 - i }));

describe('reciprocalRankFusion', () => {
  it('sums w / (k + rank) with ranks from 1 (hand-computed, k = 60)', () => {
    // lexical: a b c; vector: c a d.
    //  a: 1/61 + 1/62 = 0.0163934 + 0.0161290 = 0.0325224
    //  c: 1/63 + 1/61 = 0.0158730 + 0.0163934 = 0.0322664
    //  b: 1/62 = 0.0161290;  d: 1/63 = 0.0158730
    const out = reciprocalRankFusion([{ results: list('a', 'b', 'c') }, { results: list('c', 'a', 'd') }]);
    expect(out.map((r) => r.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(out[0]!.score).toBeCloseTo(1 / 61 + 1 / 62, 15);
    expect(out[1]!.score).toBeCloseTo(1 / 63 + 1 / 61, 15);
    expect(out.map((r) => r.ranks)).toEqual([[1, 2], [3, 1], [2, null], [null, 3]]);
  });

  it('applies weights and k', () => {
    // k = 0, weights 2 and 1: a = 2/1 + 1/2 = 2.5; b = 2/2 = 1; c = 1/1 = 1 — a tie that c wins by its
    // better best rank (1 against b's 2).
    const out = reciprocalRankFusion(
      [{ results: list('a', 'b'), weight: 2 }, { results: list('c', 'a') }],
      { k: 0 },
    );
    expect(out.map((r) => [r.id, r.score])).toEqual([['a', 2.5], ['c', 1], ['b', 1]]);
  });

  it('breaks ties by best rank, then by id', () => {
    // x and y both score 1/61 + 1/62; z and w both 1/61 in one list only.
    const tied = reciprocalRankFusion([{ results: list('y', 'x') }, { results: list('x', 'y') }]);
    expect(tied.map((r) => r.id)).toEqual(['x', 'y']);
    const byRank = reciprocalRankFusion([{ results: list('w') }, { results: list('z', 'v') }]);
    expect(byRank.map((r) => r.id)).toEqual(['w', 'z', 'v']);
  });

  it('limits, ignores scores, and counts a repeated id once', () => {
    const out = reciprocalRankFusion([{ results: [{ id: 'a', score: -5 }, { id: 'a', score: 9 }, { id: 'b', score: 0 }] }], { limit: 1 });
    expect(out).toEqual([{ id: 'a', score: 1 / 61, ranks: [1] }]);
    expect(reciprocalRankFusion([])).toEqual([]);
  });

  it('rejects nonsense parameters', () => {
    expect(() => reciprocalRankFusion([], { k: -1 })).toThrow(/k must be/);
    expect(() => reciprocalRankFusion([], { limit: 1.5 })).toThrow(/limit/);
    expect(() => reciprocalRankFusion([{ results: list('a'), weight: -1 }])).toThrow(/weight/);
  });
});
