/** Knowledge bases on SQLite or PostgreSQL: create and manage them, ingest folders and uploads, re-embed, search (vector, BM25, hybrid). */
export { KnowledgeBaseStore, KB_NAME_PATTERN, DEFAULT_EMBEDDING_MODEL, assertKnowledgeBaseName, resolveKnowledgeBaseConfig, resolveHybridWeights } from './kb-store.js';
export { kbEngineFor } from './engine-factory.js';
export { ingest } from './ingest.js';
export { ingestDocuments } from './ingest-documents.js';
export { reembed } from './reembed.js';
export { search, validateSearchOptions, queryTermsOf, SEARCH_MODES } from './search.js';
export { lexicalText } from './fts-query.js';
export { VECTOR_INDEX_KINDS } from './types.js';
export type { KbEngine, KnowledgeBaseRow, StoredDocumentInfo, StoredDocument, StoredChunk, StoredChunkRow, ChunkHit } from './engine.js';
export type {
  EmbeddingGateway,
  IngestOptions,
  IngestProgress,
  IngestSummary,
  KnowledgeBase,
  KnowledgeBaseConfig,
  KnowledgeBaseConfigInput,
  HybridWeights,
  ReembedOptions,
  ReembedSummary,
  RetrievalResult,
  SearchMode,
  SearchOptions,
  UploadedDocumentInput,
  VectorIndexKind,
} from './types.js';
