import { analyzeTerms } from '../../providers/local/index.js';
import type { RetrievalResult } from '../kb/index.js';

/**
 * How relevant the retrieved chunks are to a question, on an absolute 0–1 scale that does not depend on the
 * search mode: the share of the question's distinct analysed terms (lower case, stop words out, lightly stemmed)
 * that the best chunk contains. Retrieval scores cannot serve: RRF scores are rank-based (the top hit of any
 * query scores the same), BM25 scores grow with the corpus, and cosines differ from embedder to embedder. The
 * check is lexical, so a paraphrase with no shared word reads as irrelevant: lower `rag.minRelevance` (0 turns
 * it off) when a semantic embedder is expected to bridge vocabulary.
 */
export function bestRelevance(query: string, results: readonly RetrievalResult[]): number {
  const terms = [...new Set(analyzeTerms(query))];
  // a question of stop words alone ("what is it?") has nothing a chunk could be relevant to
  if (terms.length === 0) return 0;
  let best = 0;
  for (const r of results) {
    const have = new Set(analyzeTerms(r.content.text));
    let found = 0;
    for (const t of terms) if (have.has(t)) found++;
    best = Math.max(best, found / terms.length);
    if (best === 1) break;
  }
  return best;
}

/** What answers a question when nothing retrieved passes the relevance threshold (no model is called). */
export const NO_RELEVANT_INFORMATION = 'There is no relevant information in the knowledge base to answer this question.';
