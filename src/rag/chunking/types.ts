/** A document to chunk: its id, its text and, for paginated sources (PDF), where each page starts. */
export interface ChunkInput {
  documentId: string;
  text: string;
  /** page starts as character offsets into text (page n starts at pageStarts[n-1]); ascending */
  pageStarts?: number[];
}

/** One chunk of a document. Offsets are UTF-16 code-unit offsets: text === doc.text.slice(start, end). */
export interface Chunk {
  documentId: string;
  /** 0-based position among the chunks (or among the parents) of the document */
  ordinal: number;
  text: string;
  /** cl100k_base tokens of text, counted on the exact chunk text */
  tokenCount: number;
  start: number;
  end: number;
  /** Markdown heading titles in effect at `start`, outermost first (e.g. ['Install', 'Linux']) */
  headingPath: string[];
  /** 1-based page of `start`, when the input has pageStarts */
  page?: number;
  /** hierarchical strategy: ordinal of the parent chunk this child belongs to */
  parentOrdinal?: number;
}

export type ChunkingConfig =
  | { strategy: 'fixed'; maxTokens?: number; overlapRatio?: number }
  | { strategy: 'recursive'; maxTokens?: number; overlapRatio?: number }
  | { strategy: 'hierarchical'; parentTokens?: number; childTokens?: number; overlapRatio?: number }
  | { strategy: 'semantic'; maxTokens?: number; breakpointPercentile?: number }
  | { strategy: 'none' };

/** A config with every default filled in: what a knowledge base records so that chunking is reproducible. */
export type ResolvedChunkingConfig =
  | { strategy: 'fixed'; maxTokens: number; overlapRatio: number }
  | { strategy: 'recursive'; maxTokens: number; overlapRatio: number }
  | { strategy: 'hierarchical'; parentTokens: number; childTokens: number; overlapRatio: number }
  | { strategy: 'semantic'; maxTokens: number; breakpointPercentile: number }
  | { strategy: 'none' };

export type ChunkingStrategy = ChunkingConfig['strategy'];

/** Embeds sentences for the semantic strategy; one vector per sentence, all of one dimension. */
export type SentenceEmbedder = (sentences: string[]) => Float32Array[];

export interface ChunkOptions {
  /** semantic only; default: hashed lexical bag-of-words, so semantic chunking works offline */
  embed?: SentenceEmbedder;
}

export interface ChunkResult {
  chunks: Chunk[];
  /** hierarchical only: the parent chunks that `chunks[i].parentOrdinal` points into */
  parents?: Chunk[];
}

export const CHUNKING_DEFAULTS = {
  maxTokens: 512,
  overlapRatio: 0.15,
  parentTokens: 1500,
  childTokens: 300,
  breakpointPercentile: 95,
} as const;

/** Below 16 tokens a chunk carries too little context to retrieve; above 8192 no common embedder accepts it. */
export const MIN_CHUNK_TOKENS = 16;
export const MAX_CHUNK_TOKENS = 8192;
