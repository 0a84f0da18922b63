/** The public face of rag/: the knowledge base service the server and the CLI use, and what they show of it. */
export { createKnowledgeBaseService, type KnowledgeBaseServiceDeps, type RagSettings } from './service.js';
export type {
  KnowledgeBaseService,
  RetrieveParams,
  AnswerParams,
  AnswerResult,
  Citation,
  RerankParams,
  UploadedDocument,
  DocumentInfo,
} from './service-types.js';
export {
  createKnowledgeBaseRouteStep,
  MemorySessionStore,
  DatabaseSessionStore,
  BUNDLED_RAG_PROMPT,
  BUNDLED_PROMPT_REF,
  NO_RELEVANT_INFORMATION,
  bestRelevance,
  citeAnswer,
  type SessionStore,
  type RouteKnowledgeBase,
  GuardedGenerations,
  type AnswerGuard,
  type AnswerGuardrails,
  type GuardedCall,
} from './answer/index.js';
export {
  KB_NAME_PATTERN,
  DEFAULT_EMBEDDING_MODEL,
  SEARCH_MODES,
  type KnowledgeBase,
  type KnowledgeBaseConfig,
  type KnowledgeBaseConfigInput,
  type IngestOptions,
  type IngestProgress,
  type IngestSummary,
  type RetrievalResult,
  type SearchMode,
} from './kb/index.js';
export { parseRetrievalFilter, type RetrievalFilter } from './retrieve/index.js';
export { parseRerankerSpec, createReranker, type Reranker, type RerankResult } from './rerank/index.js';
export { validateChunkingConfig } from './chunking/index.js';
export { SIDECAR_SUFFIX, compileGlobs } from './loaders/index.js';
export { evaluateRun, readBeir, type ScoredDoc } from './eval/index.js';
export type { DocumentMetadata } from './loaders/index.js';
