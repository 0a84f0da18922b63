/** Embedded, offline providers: an extractive answerer and hashed lexical embeddings. */
export { createLocalExtractiveModel } from './extractive.js';
export {
  createHashEmbeddingModel,
  cosineSimilarity,
  MIN_DIMENSIONS,
  MAX_DIMENSIONS,
  type HashEmbeddingOptions,
} from './hash-embed.js';
export { splitSentences, wordTokens, analyzeTerms, stemWord, isStopWord, bm25Scores, BM25_K1, BM25_B } from './text.js';
