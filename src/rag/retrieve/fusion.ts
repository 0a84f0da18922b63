import { StrataError } from '../../core/index.js';

/**
 * Reciprocal Rank Fusion (Cormack, Clarke and Büttcher, SIGIR 2009): score(d) = Σ_i w_i / (k + rank_i(d)),
 * ranks starting at 1, a list that does not contain d contributing nothing. Only ranks matter, so scores from
 * BM25 and from cosine similarity, which live on unrelated scales, combine without normalisation.
 */

export interface RankedList {
  /** Best first, as the retriever returned them; the scores are not used, only the order. */
  results: readonly { id: string; score: number }[];
  /** Weight of this list (default 1); 0 keeps its ranks in the output without letting it vote. */
  weight?: number;
}

export interface FusedResult {
  id: string;
  score: number;
  /** Rank of the id in each input list (1-based), null where the list does not contain it. */
  ranks: (number | null)[];
}

export interface FusionOptions {
  /** The smoothing constant; 60 is the paper's value and the common default. */
  k?: number;
  /** Keep only the best `limit` results. */
  limit?: number;
}

/**
 * Fuses ranked lists. Order: fused score descending; ties by the best (smallest) rank the id reached in any
 * list, then by id in code-unit order, so equal inputs always give the same output. An id repeated within one
 * list counts once, at its first (best) rank.
 */
export function reciprocalRankFusion(lists: readonly RankedList[], opts: FusionOptions = {}): FusedResult[] {
  const k = opts.k ?? 60;
  if (!Number.isFinite(k) || k < 0) throw new StrataError('invalid_request', `RRF k must be a number ≥ 0, got ${k}.`);
  const limit = opts.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new StrataError('invalid_request', `RRF limit must be a whole number ≥ 0, got ${limit}.`);
  }
  const fused = new Map<string, FusedResult & { best: number }>();
  lists.forEach((list, li) => {
    const w = list.weight ?? 1;
    if (!Number.isFinite(w) || w < 0) throw new StrataError('invalid_request', `RRF weight must be a number ≥ 0, got ${w}.`);
    list.results.forEach((r, i) => {
      let entry = fused.get(r.id);
      if (entry === undefined) {
        entry = { id: r.id, score: 0, ranks: new Array<number | null>(lists.length).fill(null), best: Infinity };
        fused.set(r.id, entry);
      }
      if (entry.ranks[li] !== null) return;
      const rank = i + 1;
      entry.ranks[li] = rank;
      entry.score += w / (k + rank);
      if (rank < entry.best) entry.best = rank;
    });
  });
  const out = [...fused.values()].sort(
    (a, b) => b.score - a.score || a.best - b.best || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const kept = limit === undefined ? out : out.slice(0, limit);
  return kept.map(({ id, score, ranks }) => ({ id, score, ranks }));
}
