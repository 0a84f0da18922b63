/** Reranking: the local lexical cross-scorer (default) and Bedrock's Rerank API behind one interface. */
export type { Reranker, RerankOptions, RerankResult } from './types.js';
export { LexicalCrossScorer, lexicalRelevanceScores, LOCAL_LEXICAL_RERANKER } from './lexical-scorer.js';
export { termMatchStrength } from './term-match.js';
export { rankByScore, validateTopN } from './rank.js';
export { createReranker, parseRerankerSpec, type RerankerSpec } from './factory.js';
