import type { Caller, GuardrailTrace } from '../gateway/index.js';
import type { HybridWeights, IngestOptions, IngestSummary, KnowledgeBase, KnowledgeBaseConfigInput, RetrievalResult, SearchMode } from './kb/index.js';
import type { DocumentMetadata } from './loaders/index.js';
import type { RetrievalFilter } from './retrieve/index.js';

/**
 * What the HTTP server, the Bedrock Agent Runtime paths and the CLI need from knowledge bases: one facade
 * over the store, ingestion, search, reranking and cited answers. Every call is scoped to a tenant; a
 * knowledge base is named by its name or its id (Bedrock paths use the id).
 */
export interface KnowledgeBaseService {
  create(tenant: string, name: string, config?: KnowledgeBaseConfigInput): Promise<KnowledgeBase>;
  list(tenant: string): Promise<KnowledgeBase[]>;
  /** by name or id; StrataError not_found otherwise */
  get(tenant: string, nameOrId: string): Promise<KnowledgeBase>;
  delete(tenant: string, nameOrId: string): Promise<void>;

  /** Ingests a file or folder from the local file system (CLI). */
  ingestPath(tenant: string, nameOrId: string, path: string, opts?: IngestOptions & { caller?: Caller }): Promise<IngestSummary>;
  /** Ingests documents sent over the API (bytes + file name decide the loader; metadata as a sidecar would). */
  ingestDocuments(tenant: string, nameOrId: string, docs: UploadedDocument[], opts?: { caller?: Caller }): Promise<IngestSummary>;
  listDocuments(tenant: string, nameOrId: string): Promise<DocumentInfo[]>;
  deleteDocument(tenant: string, nameOrId: string, docId: string): Promise<void>;
  /** Switches the embedder and re-embeds every chunk from its stored text; the old vectors serve until it is done. */
  reembed(tenant: string, nameOrId: string, embeddingModel: string, opts?: { onProgress?: (done: number, total: number) => void; caller?: Caller }): Promise<{ chunks: number; seconds: number }>;

  /** Bedrock Retrieve semantics: search (+ optional rerank), best first. */
  retrieve(params: RetrieveParams): Promise<RetrievalResult[]>;
  /** Bedrock RetrieveAndGenerate semantics: retrieve, answer with the registry prompt, cite. */
  retrieveAndGenerate(params: AnswerParams): Promise<AnswerResult>;
}

export interface UploadedDocument {
  /** file name with extension (decides the loader) and the stable document id's source */
  fileName: string;
  content: Buffer;
  metadata?: DocumentMetadata;
}

export interface DocumentInfo {
  docId: string;
  relPath: string;
  contentHash: string;
  chunkCount: number;
}

export interface RerankParams {
  /** 'local' (the lexical cross-scorer, default), a configured rerank model alias, or a Bedrock rerank model id / ARN */
  model?: string;
  /** how many reranked results to keep (default: numberOfResults) */
  topN?: number;
}

export interface RetrieveParams {
  tenant: string;
  /** knowledge base name or id */
  knowledgeBase: string;
  query: string;
  /** numberOfResults, 1–100 (default 5) */
  k?: number;
  /** Bedrock overrideSearchType HYBRID → 'hybrid', SEMANTIC → 'vector'; 'lexical' is Strata's own */
  mode?: SearchMode;
  filter?: RetrievalFilter;
  /** this search's reciprocal rank fusion weights (default: the knowledge base's recorded ones) */
  hybridWeights?: Partial<HybridWeights>;
  rerank?: RerankParams;
  caller?: Caller;
  tags?: Record<string, string>;
  signal?: AbortSignal;
}

export interface AnswerParams extends RetrieveParams {
  /** continue a conversation; a new id is made when absent */
  sessionId?: string;
  /** route or model alias that writes the answer (default: the configured RAG model, else 'default') */
  model?: string;
  /** a Bedrock-style prompt template with $search_results$ (and optionally $query$), overriding the registry prompt */
  promptTemplate?: string;
  /** overrides `rag.minRelevance` (0–1, 0 = never refuse): below it the answer says nothing relevant was found */
  minRelevance?: number;
  /**
   * a guardrail policy of strata.yaml to check this question and answer by, instead of the knowledge base's own
   * (Bedrock's generationConfiguration.guardrailConfiguration.guardrailId)
   */
  guardrail?: string;
}

/** One citation in Bedrock RetrieveAndGenerate's shape: a span of the answer and the chunks that support it. */
export interface Citation {
  generatedResponsePart: { textResponsePart: { text: string; span: { start: number; end: number } } };
  retrievedReferences: Omit<RetrievalResult, 'score'>[];
}

export interface AnswerResult {
  sessionId: string;
  output: { text: string };
  citations: Citation[];
  /** true when nothing retrieved passed the relevance threshold and the answer says so instead of guessing */
  noRelevantResults: boolean;
  /** `name@version` of the registry prompt used (or 'bundled:rag-answer'; 'none' when a guardrail blocked the question first) */
  prompt: string;
  /** the model alias that answered (absent when nothing was generated) */
  model?: string;
  /**
   * the gateway invocation that wrote the answer (x-strata-invocation-id); absent when nothing was generated,
   * except under a guardrail policy, whose answers made without a model are recorded too
   */
  invocationId?: string;
  /** Bedrock's field, present when a guardrail policy applied: INTERVENED when it blocked or masked something */
  guardrailAction?: 'INTERVENED' | 'NONE';
  /** what the policy did (x-strata-guardrail*): its name, interventions (never matched text), grounding scores */
  guardrail?: GuardrailTrace;
}
