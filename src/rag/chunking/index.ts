export { chunkDocument } from './chunk-document.js';
export { validateChunkingConfig } from './config.js';
export { splitSentences, type TextSpan } from './sentences.js';
export { lexicalSentenceEmbedder } from './semantic.js';
export {
  CHUNKING_DEFAULTS,
  MAX_CHUNK_TOKENS,
  MIN_CHUNK_TOKENS,
  type Chunk,
  type ChunkInput,
  type ChunkOptions,
  type ChunkResult,
  type ChunkingConfig,
  type ChunkingStrategy,
  type ResolvedChunkingConfig,
  type SentenceEmbedder,
} from './types.js';
