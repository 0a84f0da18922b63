import { StrataError } from '../../core/index.js';
import type { RerankResult } from './types.js';

/** Checks a topN option: absent, or a whole number of at least 1. */
export function validateTopN(topN: number | undefined): void {
  if (topN === undefined) return;
  if (!Number.isInteger(topN) || topN < 1) {
    throw new StrataError('invalid_request', `Rerank topN must be a whole number of at least 1, got ${String(topN)}.`);
  }
}

/** Best first; equal scores keep their input order, so the ranking is deterministic. */
export function rankByScore(scores: readonly number[], topN?: number): RerankResult[] {
  const order = scores.map((relevanceScore, index) => ({ index, relevanceScore }));
  order.sort((a, b) => b.relevanceScore - a.relevanceScore || a.index - b.index);
  return topN === undefined || topN >= order.length ? order : order.slice(0, topN);
}

/** Throws when the caller gave up; a local scorer has no upstream, so the deadline is the caller's. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new StrataError('deadline_exceeded', 'Reranking was cancelled before it finished (the request was aborted or timed out).');
  }
}
