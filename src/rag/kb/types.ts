import type { ChunkingConfig, ResolvedChunkingConfig } from '../chunking/index.js';
import type { DocumentMetadata } from '../loaders/index.js';
import type { RetrievalFilter } from '../retrieve/index.js';

/** What a knowledge base is created with; defaults are filled in before it is recorded. */
export interface KnowledgeBaseConfigInput {
  /** a model alias the gateway knows (default 'hash-embed') */
  embeddingModel?: string;
  /** default: fixed, 512 tokens, 15% overlap */
  chunking?: ChunkingConfig;
  /** default: exact vector search */
  index?: { vector?: VectorIndexKind };
  /** a guardrail policy of strata.yaml applied to every retrieve-and-generate answer (default: none) */
  guardrail?: string;
  /** weights of the two rankings in hybrid search (reciprocal rank fusion); default 1 and 1 */
  hybrid?: Partial<HybridWeights>;
}

/** Reciprocal rank fusion weights: each ranking contributes weight / (60 + rank); 0 turns one side off. */
export interface HybridWeights {
  vector: number;
  lexical: number;
}

/**
 * `exact` scores every chunk that passes the filter (an in-memory matrix per knowledge base on SQLite); `hnsw` answers from an
 * approximate HNSW graph (usearch) and falls back to the exact filtered scan when a filter is too selective.
 */
export type VectorIndexKind = 'exact' | 'hnsw';
export const VECTOR_INDEX_KINDS: readonly VectorIndexKind[] = ['exact', 'hnsw'];

/** The recorded config: every default resolved, so the same files give the same index later. */
export interface KnowledgeBaseConfig {
  embeddingModel: string;
  chunking: ResolvedChunkingConfig;
  index: { vector: VectorIndexKind };
  /** the guardrail policy answers are checked by; absent when the knowledge base has none */
  guardrail?: string;
  hybrid: HybridWeights;
}

export interface KnowledgeBase {
  id: string;
  tenant: string;
  name: string;
  config: KnowledgeBaseConfig;
  /** epoch ms */
  createdAt: number;
  updatedAt: number;
  /** counts over the stored documents and chunks */
  documents: number;
  chunks: number;
}

/**
 * The one capability ingestion and search need from the gateway. Structural, so the gateway satisfies it
 * without rag importing gateway, and tests can count calls.
 */
export interface EmbeddingGateway {
  embed(req: {
    model: string;
    input: string[];
    inputType?: 'document' | 'query';
    caller?: { tenant: string };
    tags?: Record<string, string>;
  }): Promise<{ vectors: Float32Array[]; inputTokens: number }>;
}

export interface IngestProgress {
  /** documents looked at so far (written, unchanged or skipped) */
  seen: number;
  relPath: string;
  status: 'ingested' | 'unchanged' | 'skipped';
}

export interface IngestOptions {
  /** remove documents of the knowledge base whose files are gone */
  sync?: boolean;
  include?: string[];
  exclude?: string[];
  /** called after each document is settled (its transaction committed); a throw stops ingestion there */
  onProgress?: (p: IngestProgress) => void;
  /** chunks per embedding call (default 64) */
  batchSize?: number;
  /** embedding calls in flight at once (default 4); documents are still written one by one, in order */
  concurrency?: number;
}

/** A document sent over the API: the file name's extension picks the loader, metadata acts as a sidecar. */
export interface UploadedDocumentInput {
  /** relative name with extension, e.g. `guides/setup.md` (the document id is derived from it) */
  fileName: string;
  content: Buffer;
  metadata?: Record<string, unknown>;
}

export interface ReembedOptions {
  /** after each page of chunks is written: chunks done so far and the total at the start */
  onProgress?: (done: number, total: number) => void;
  /** chunks per embedding call (default 64) */
  batchSize?: number;
}

export interface ReembedSummary {
  chunks: number;
  embeddingTokens: number;
  seconds: number;
}

export interface IngestSummary {
  /** documents (re)indexed in this run */
  documents: number;
  /** chunks written in this run */
  chunks: number;
  /** tokens of the chunks written (cl100k_base) */
  tokens: number;
  /** input tokens the embedder reported (what the tenant is billed for) */
  embeddingTokens: number;
  seconds: number;
  skipped: { path: string; reason: string }[];
  unchanged: number;
  removed: number;
}

export type SearchMode = 'vector' | 'lexical' | 'hybrid';

export interface SearchOptions {
  mode?: SearchMode;
  /** 1–100, default 5 */
  k?: number;
  filter?: RetrievalFilter;
  /** overrides the knowledge base's recorded hybrid weights for this search */
  hybridWeights?: Partial<HybridWeights>;
}

/** One hit in the shape of Bedrock Knowledge Bases' Retrieve `retrievalResults[]`. */
export interface RetrievalResult {
  content: { text: string; type: 'TEXT' };
  location: { type: 'CUSTOM'; customDocumentLocation: { id: string } };
  /** the document's metadata (with the loader's `source` and `format`), the chunk's ordinal and its page */
  metadata: DocumentMetadata & { 'x-strata-chunk': number; 'x-strata-page'?: number };
  score: number;
}
