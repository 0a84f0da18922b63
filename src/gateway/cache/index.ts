export type { CachedAnswer } from './cached-answer.js';
export type { ResponseCacheStore } from './store.js';
export { responseCacheKey, type ResponseCacheKeyInput } from './key.js';
export { isCacheable, type CacheMode } from './cacheable.js';
export { MemoryResponseCache, type MemoryResponseCacheOptions } from './memory-store.js';
export { RedisResponseCache, type RedisResponseCacheOptions } from './redis-store.js';
export { replayAsChunks } from './replay.js';
export { SemanticCacheIndex, type SemanticCacheIndexOptions, type SemanticCacheHit } from './semantic-index.js';
export { semanticCacheText, semanticCacheScope } from './semantic-input.js';
