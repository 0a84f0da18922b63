/** Knowledge bases on the embedded store: create and manage them, ingest folders, search them (vector, BM25, hybrid). */
export { KnowledgeBaseStore, KB_NAME_PATTERN, DEFAULT_EMBEDDING_MODEL, assertKnowledgeBaseName, resolveKnowledgeBaseConfig } from './kb-store.js';
export { ingest } from './ingest.js';
export { search, validateSearchOptions, SEARCH_MODES } from './search.js';
export { ftsQuery } from './fts-query.js';
export type {
  EmbeddingGateway,
  IngestOptions,
  IngestProgress,
  IngestSummary,
  KnowledgeBase,
  KnowledgeBaseConfig,
  KnowledgeBaseConfigInput,
  RetrievalResult,
  SearchMode,
  SearchOptions,
} from './types.js';
