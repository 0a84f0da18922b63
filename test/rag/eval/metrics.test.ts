import { describe, expect, it } from 'vitest';
import { evaluateRun, rankForEvaluation, scoreQuery, type Qrels, type Run } from '../../../src/rag/eval/index.js';

const qrels = (o: Record<string, Record<string, number>>): Qrels =>
  new Map(Object.entries(o).map(([q, docs]) => [q, new Map(Object.entries(docs))]));
const run = (o: Record<string, [string, number][]>): Run =>
  new Map(Object.entries(o).map(([q, docs]) => [q, docs.map(([docId, score]) => ({ docId, score }))]));

describe('evaluateRun (BEIR / trec_eval conventions)', () => {
  // Three queries with graded qrels, computed by hand:
  //  q1: qrels d1=2, d2=1, d3=0. Ranked d3(0) d1(2) d7(-) d2(1).
  //      DCG  = 2/log2(3) + 1/log2(5) = 1.261860 + 0.430677 = 1.692536
  //      IDCG = 2/log2(2) + 1/log2(3) = 2 + 0.630930 = 2.630930 → nDCG@10 = 0.643322
  //      Recall@10 = 2/2 = 1; MRR@10 = 1/2 (d1 at rank 2; d3 has grade 0, not relevant).
  //  q2: qrels d4=1. Ranked d9 d8: nothing relevant → nDCG = Recall = MRR = 0.
  //  q3: qrels d5=1, d6=1. The run contains "q3" itself (dropped: ignore_identical_ids), then d6 and d5
  //      tied at 0.7 → both relevant: nDCG = 1, Recall = 1, MRR = 1.
  //  Means: nDCG@10 = (0.643322 + 0 + 1)/3 = 0.547774; Recall@10 = 2/3; MRR@10 = 1.5/3 = 0.5.
  const q = qrels({ q1: { d1: 2, d2: 1, d3: 0 }, q2: { d4: 1 }, q3: { d5: 1, d6: 1 } });
  const r = run({
    q1: [['d2', 0.4], ['d3', 0.9], ['d7', 0.5], ['d1', 0.8]],
    q2: [['d9', 1], ['d8', 0.5]],
    q3: [['q3', 5], ['d6', 0.7], ['d5', 0.7]],
  });

  it('computes the hand-worked toy', () => {
    const s = evaluateRun(r, q);
    expect(s.queries).toBe(3);
    expect(s['ndcg@10']).toBeCloseTo(0.547774, 6);
    expect(s['recall@10']).toBeCloseTo(2 / 3, 10);
    expect(s['recall@100']).toBeCloseTo(2 / 3, 10);
    expect(s['mrr@10']).toBeCloseTo(0.5, 10);
  });

  it('cuts at k: with k=1 only the first result counts', () => {
    // q1: d3 (grade 0) first → 0 everywhere. q3: d6 first, IDCG@1 = 1 → nDCG 1, Recall 1/2, MRR 1.
    const s = evaluateRun(r, q, [1]);
    expect(s['ndcg@1']).toBeCloseTo(1 / 3, 10);
    expect(s['recall@1']).toBeCloseTo(0.5 / 3, 10);
    expect(s['mrr@1']).toBeCloseTo(1 / 3, 10);
    expect(s['ndcg@10']).toBeCloseTo(0.547774, 6); // the headline cutoffs are always there
  });

  it('breaks score ties by document id descending, as trec_eval does', () => {
    // Only d1 is relevant; d1 and d2 tie: "d2" > "d1" so d2 ranks first → MRR 1/2, nDCG 1/log2(3).
    const s = evaluateRun(run({ q: [['d1', 1], ['d2', 1]] }), qrels({ q: { d1: 1 } }));
    expect(s['mrr@10']).toBe(0.5);
    expect(s['ndcg@10']).toBeCloseTo(1 / Math.log2(3), 12);
    // Input order does not matter.
    const t = evaluateRun(run({ q: [['d2', 1], ['d1', 1]] }), qrels({ q: { d1: 1 } }));
    expect(t).toEqual(s);
  });

  it('scores 0 for a query that retrieved nothing relevant, nothing at all, or is missing from the run', () => {
    const s = evaluateRun(run({ a: [['x', 1]], b: [] }), qrels({ a: { y: 1 }, b: { y: 1 }, c: { y: 2 } }));
    expect(s.queries).toBe(3);
    expect(s['ndcg@10']).toBe(0);
    expect(s['recall@100']).toBe(0);
    expect(s['mrr@10']).toBe(0);
  });

  it('handles fewer results than k: the ideal still comes from the qrels', () => {
    // Qrels d1=1, d2=1, d3=1; retrieved only d1. DCG 1; IDCG@10 = 1 + 1/log2(3) + 1/log2(4) = 2.130930.
    const s = evaluateRun(run({ q: [['d1', 1]] }), qrels({ q: { d1: 1, d2: 1, d3: 1 } }));
    expect(s['ndcg@10']).toBeCloseTo(1 / 2.13093, 5);
    expect(s['recall@10']).toBeCloseTo(1 / 3, 12);
    expect(s['mrr@10']).toBe(1);
  });

  it('counts a duplicated document once, at its best score', () => {
    const ranked = rankForEvaluation('q', [
      { docId: 'a', score: 1 },
      { docId: 'b', score: 3 },
      { docId: 'a', score: 2 },
    ]);
    expect(ranked.map((d) => `${d.docId}:${d.score}`)).toEqual(['b:3', 'a:2']);
  });

  it('gives graded gain: a grade-2 document first beats a grade-1 document first', () => {
    const j = new Map([['hi', 2], ['lo', 1]]);
    const best = scoreQuery([{ docId: 'hi', score: 2 }, { docId: 'lo', score: 1 }], j, 10);
    const swapped = scoreQuery([{ docId: 'lo', score: 2 }, { docId: 'hi', score: 1 }], j, 10);
    expect(best.ndcg).toBeCloseTo(1, 12);
    // (1 + 2/log2 3) / (2 + 1/log2 3) = 2.261860 / 2.630930 = 0.859719
    expect(swapped.ndcg).toBeCloseTo(0.859719, 6);
  });

  it('returns zeros for empty qrels and rejects a bad cutoff', () => {
    expect(evaluateRun(new Map(), new Map())['ndcg@10']).toBe(0);
    expect(() => evaluateRun(new Map(), new Map(), [0])).toThrow(/cutoff/);
  });
});
