export type { BucketSpec, TakeResult, BucketCharge, RateStore } from './bucket.js';
export { MemoryRateStore } from './memory-rate-store.js';
export { RedisRateStore } from './redis-rate-store.js';
export { MemoryConcurrencyStore, type ConcurrencyStore } from './concurrency.js';
export { RedisConcurrencyStore } from './redis-concurrency-store.js';
export { AdmissionQueue, type AdmissionQueueOptions } from './admission-queue.js';
export { AdaptiveThrottle, type AdaptiveThrottleOptions } from './adaptive.js';
export { LeasedRateStore, type LeasedRateStoreOptions } from './leased-rate-store.js';
export { LeasedConcurrencyStore, type LeasedConcurrencyStoreOptions } from './leased-concurrency-store.js';
