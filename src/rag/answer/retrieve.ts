import { StrataError } from '../../core/index.js';
import { validateSearchOptions, type RetrievalResult } from '../kb/index.js';
import type { Reranker } from '../rerank/index.js';
import type { RetrieveParams } from '../service-types.js';

/** Candidates a reranker sees per result wanted: enough for it to lift a chunk the search ranked low. */
const RERANK_POOL_FACTOR = 4;
/** Bedrock's numberOfResults bound, and the most a search returns. */
const MAX_RESULTS = 100;

/** The search itself, bound to a knowledge base (the service passes the kb store's search). */
export type SearchFn = (query: string, opts: { mode?: RetrieveParams['mode']; k: number; filter?: RetrieveParams['filter']; hybridWeights?: RetrieveParams['hybridWeights'] }) => Promise<RetrievalResult[]>;

/** How many candidates to search for: k, or a larger pool (4k, at most 100) when they will be reranked. */
export function candidatePool(k: number, reranking: boolean): number {
  return reranking ? Math.min(MAX_RESULTS, Math.max(k, RERANK_POOL_FACTOR * k)) : k;
}

/** Checks a rerank topN like numberOfResults (1–100). */
function validateTopN(topN: number): void {
  if (!Number.isInteger(topN) || topN < 1 || topN > MAX_RESULTS) {
    throw new StrataError('invalid_request', `rerank topN must be a whole number from 1 to ${MAX_RESULTS}, got ${topN}.`);
  }
}

/**
 * Bedrock Retrieve semantics: the best `k` (numberOfResults, 1–100) chunks for the query, filter applied inside
 * the search. With reranking, a pool of candidates is searched, the reranker scores each against the query and
 * the best `topN` (default k) are kept, in its order and with its scores.
 */
export async function retrieveWithRerank(
  search: SearchFn,
  params: Pick<RetrieveParams, 'query' | 'k' | 'mode' | 'filter' | 'rerank' | 'signal' | 'hybridWeights'>,
  reranker: (model: string | undefined) => Reranker,
): Promise<RetrievalResult[]> {
  const { mode, k } = validateSearchOptions({ mode: params.mode, k: params.k });
  if (typeof params.query !== 'string' || params.query.trim() === '') throw new StrataError('invalid_request', 'The query is empty; give the text to search for.');
  const rerank = params.rerank;
  if (rerank === undefined) return search(params.query, { mode, k, filter: params.filter, hybridWeights: params.hybridWeights });
  const topN = rerank.topN ?? k;
  validateTopN(topN);
  const scorer = reranker(rerank.model);
  const candidates = await search(params.query, { mode, k: candidatePool(Math.max(k, topN), true), filter: params.filter, hybridWeights: params.hybridWeights });
  if (candidates.length === 0) return [];
  const ranked = await scorer.rerank(
    params.query,
    candidates.map((c) => c.content.text),
    { topN: Math.min(topN, candidates.length), signal: params.signal },
  );
  return ranked.slice(0, topN).map((r) => ({ ...candidates[r.index]!, score: r.relevanceScore }));
}
