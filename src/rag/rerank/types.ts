/** One reranked document: its index in the input list and a relevance score (higher is more relevant). */
export interface RerankResult {
  index: number;
  relevanceScore: number;
}

export interface RerankOptions {
  /** how many results to return, best first (default: all) */
  topN?: number;
  signal?: AbortSignal;
}

/**
 * Scores documents against a query jointly (a cross-scorer), unlike retrieval which scores each side alone.
 * Implementations: the local lexical cross-scorer (default) and Bedrock's Rerank API.
 */
export interface Reranker {
  /** what does the scoring, e.g. 'local/lexical' or 'amazon.rerank-v1:0' */
  readonly name: string;
  rerank(query: string, documents: string[], opts?: RerankOptions): Promise<RerankResult[]>;
}
