/**
 * Retrieval metrics with BEIR's conventions, which are trec_eval's (BEIR scores runs with pytrec_eval):
 *
 *   - each query's results are re-sorted by score descending, ties broken by document id in *descending*
 *     order — trec_eval's `comp_sim_docno` (form_res_rels.c) compares `strcmp(docno2, docno1)`. Matching it
 *     keeps our numbers equal to pytrec_eval's when scores tie, which BM25 does constantly. Ids compare by
 *     UTF-16 code unit, the same as strcmp for ASCII ids;
 *   - a document id repeated in one query's results counts once, at its best position;
 *   - a result whose document id equals the query id is dropped (BEIR's `ignore_identical_ids`, applied to the
 *     run only; the qrels keep such a pair, as in BEIR);
 *   - nDCG@k (trec_eval `ndcg_cut`): gain = the graded relevance (negative grades count 0), discount
 *     log2(rank + 1), ideal DCG from the query's qrels sorted by grade; 0 when the query has no positive grade;
 *   - Recall@k: relevant retrieved in the top k / all relevant, relevant meaning grade ≥ 1 (trec_eval's
 *     default relevance level); 0 when nothing is relevant;
 *   - MRR@k: 1 / rank of the first relevant document in the top k, 0 when there is none;
 *   - every metric is the mean over the queries of the qrels. A query missing from the run scores 0 — one
 *     deliberate difference from pytrec_eval, which silently skips it and so flatters a retriever that fails.
 */

export type QueryId = string;
export type DocId = string;
/** Graded judgments per query: document id → relevance grade (BEIR: 0, 1, 2, …). */
export type Qrels = ReadonlyMap<QueryId, ReadonlyMap<DocId, number>>;
export interface ScoredDoc {
  docId: DocId;
  score: number;
}
/** Retrieved documents per query, in any order (they are re-sorted by score). */
export type Run = ReadonlyMap<QueryId, readonly ScoredDoc[]>;

/** The headline cutoffs of `strata kb eval`; always computed. */
export const DEFAULT_CUTOFFS: readonly number[] = [10, 100];

export type MetricName = `${'ndcg' | 'recall' | 'mrr'}@${number}`;

/** Averages over the evaluated queries, for every cutoff; `queries` is how many were averaged. */
export type RetrievalScores = {
  'ndcg@10': number;
  'recall@10': number;
  'recall@100': number;
  'mrr@10': number;
  queries: number;
} & { [metric: MetricName]: number };

export interface QueryScores {
  ndcg: number;
  recall: number;
  mrr: number;
}

/** trec_eval's order: score descending, then document id descending. */
export function compareRanked(a: ScoredDoc, b: ScoredDoc): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.docId < b.docId ? 1 : a.docId > b.docId ? -1 : 0;
}

/** One query's results in evaluation order: identical ids dropped, duplicates collapsed, sorted. */
export function rankForEvaluation(queryId: QueryId, results: readonly ScoredDoc[]): ScoredDoc[] {
  const sorted = results.filter((r) => r.docId !== queryId).sort(compareRanked);
  const seen = new Set<DocId>();
  return sorted.filter((r) => (seen.has(r.docId) ? false : (seen.add(r.docId), true)));
}

/** nDCG, Recall and MRR at cutoff k for one query whose results are already in evaluation order. */
export function scoreQuery(ranked: readonly ScoredDoc[], judgments: ReadonlyMap<DocId, number>, k: number): QueryScores {
  let dcg = 0;
  let hits = 0;
  let mrr = 0;
  const top = Math.min(k, ranked.length);
  for (let i = 0; i < top; i++) {
    const grade = judgments.get(ranked[i]!.docId) ?? 0;
    if (grade > 0) dcg += grade / Math.log2(i + 2);
    if (grade >= 1) {
      hits++;
      if (mrr === 0) mrr = 1 / (i + 1);
    }
  }
  const grades = [...judgments.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, grades.length); i++) idcg += grades[i]! / Math.log2(i + 2);
  const relevant = grades.filter((g) => g >= 1).length;
  return { ndcg: idcg > 0 ? dcg / idcg : 0, recall: relevant > 0 ? hits / relevant : 0, mrr };
}

/**
 * Scores a run against qrels at every cutoff in `ks` plus the headline cutoffs 10 and 100, averaged over
 * the queries of the qrels (see the conventions at the top of this file).
 */
export function evaluateRun(run: Run, qrels: Qrels, ks: readonly number[] = DEFAULT_CUTOFFS): RetrievalScores {
  const cutoffs = [...new Set([...ks, ...DEFAULT_CUTOFFS])].sort((a, b) => a - b);
  for (const k of cutoffs) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`cutoff must be a whole number ≥ 1, got ${k}`);
  }
  const sums = new Map<MetricName, number>();
  for (const k of cutoffs) for (const m of ['ndcg', 'recall', 'mrr'] as const) sums.set(`${m}@${k}`, 0);
  for (const [queryId, judgments] of qrels) {
    const ranked = rankForEvaluation(queryId, run.get(queryId) ?? []);
    for (const k of cutoffs) {
      const s = scoreQuery(ranked, judgments, k);
      sums.set(`ndcg@${k}`, sums.get(`ndcg@${k}`)! + s.ndcg);
      sums.set(`recall@${k}`, sums.get(`recall@${k}`)! + s.recall);
      sums.set(`mrr@${k}`, sums.get(`mrr@${k}`)! + s.mrr);
    }
  }
  const n = qrels.size;
  const out: Record<string, number> = {};
  for (const [name, sum] of sums) out[name] = n > 0 ? sum / n : 0;
  out.queries = n;
  return out as RetrievalScores;
}
