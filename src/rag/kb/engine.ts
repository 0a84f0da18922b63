import type { KnowledgeBasesTable } from '../../store/index.js';
import type { RetrievalFilter } from '../retrieve/index.js';
import type { KnowledgeBase, KnowledgeBaseConfig } from './types.js';

/**
 * Where a knowledge base's rows live and how they are searched: one implementation per store engine
 * (SQLite: FTS5 + an in-memory vector matrix / usearch HNSW; PostgreSQL: pgvector + BM25 in SQL). Ingestion, search,
 * re-embedding and the store facade are written once against this interface.
 */
export interface KbEngine {
  readonly dialect: 'sqlite' | 'postgres';

  /** Inserts a knowledge base row; throws StrataError invalid_request (409) when (tenant, name) exists. */
  insertKnowledgeBase(row: KnowledgeBaseRow): Promise<void>;
  listKnowledgeBases(tenant: string): Promise<KnowledgeBaseRow[]>;
  /** undefined when the tenant has no knowledge base by that name */
  getKnowledgeBase(tenant: string, name: string): Promise<KnowledgeBaseRow | undefined>;
  /** by id (for Bedrock-style paths that name a knowledge base by id), still scoped to the tenant */
  getKnowledgeBaseById(tenant: string, id: string): Promise<KnowledgeBaseRow | undefined>;
  /** Deletes the knowledge base, its documents, chunks and index entries, in one transaction. */
  deleteKnowledgeBase(kbId: string): Promise<void>;
  /** Replaces the recorded config (after a re-embed) and bumps updated_at. */
  updateConfig(kbId: string, config: KnowledgeBaseConfig): Promise<void>;
  counts(kbId: string): Promise<{ documents: number; chunks: number }>;

  documents(kbId: string): Promise<StoredDocumentInfo[]>;
  /**
   * Replaces one document and all its chunks atomically (old chunks out, new chunks and index entries in,
   * the document row with its content hash last), so an interrupted ingest never leaves a half document.
   */
  replaceDocument(kbId: string, doc: StoredDocument, chunks: StoredChunk[]): Promise<void>;
  /** Removes a document and its chunks in one transaction; false when it was not there. */
  removeDocument(kbId: string, docId: string): Promise<boolean>;

  /** Best `limit` chunks by cosine similarity to a unit-length query, filter applied inside the search. */
  vectorSearch(kb: KnowledgeBase, query: Float32Array, filter: RetrievalFilter | undefined, limit: number): Promise<ChunkHit[]>;
  /** Best `limit` chunks by BM25 over the analysed query terms (see lexicalText), filter inside the search. */
  lexicalSearch(kb: KnowledgeBase, queryTerms: string[], filter: RetrievalFilter | undefined, limit: number): Promise<ChunkHit[]>;
  /** The chunks with these ids (any order; missing ids are left out). */
  chunksById(kbId: string, ids: number[]): Promise<StoredChunkRow[]>;

  /** Chunk ids and texts in id order after `afterId`, for re-embedding in pages. */
  chunkTexts(kbId: string, afterId: number, limit: number): Promise<{ id: number; text: string }[]>;
  /** Writes new embeddings for existing chunks (one transaction per call). */
  updateEmbeddings(kbId: string, rows: { id: number; embedding: Float32Array }[]): Promise<void>;

  /** Optional: persists derived state after a batch of writes (SQLite saves its HNSW graphs); called after ingestion and re-embedding. */
  flush?(): Promise<void>;
  close?(): Promise<void>;
}

/** A `knowledge_bases` row as the store's schema declares it (config: JSON of KnowledgeBaseConfig). */
export type KnowledgeBaseRow = KnowledgeBasesTable;

export interface StoredDocumentInfo {
  docId: string;
  relPath: string;
  contentHash: string;
  chunkCount: number;
}

export interface StoredDocument {
  docId: string;
  relPath: string;
  contentHash: string;
  /** JSON of the document's metadata (sidecar + API + loader fields) */
  metadata: string;
}

export interface StoredChunk {
  ordinal: number;
  text: string;
  /** the analysed text (lexicalText): what BM25 indexes */
  lexicalText: string;
  tokenCount: number;
  start: number;
  end: number;
  headingPath: string[];
  page: number | null;
  /** hierarchical chunking: the parent's text returned in place of the child's */
  parentText: string | null;
  /** unit length */
  embedding: Float32Array;
}

export interface StoredChunkRow {
  id: number;
  docId: string;
  ordinal: number;
  text: string;
  page: number | null;
  parentText: string | null;
  /** JSON of the document metadata */
  metadata: string;
  start: number;
  end: number;
}

export interface ChunkHit {
  id: number;
  /** higher is better in every mode */
  score: number;
}
