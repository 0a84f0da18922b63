import type { CachedAnswer } from './cached-answer.js';

/** Where exact-match cache entries live: in process (embedded default) or in Redis (shared by replicas). */
export interface ResponseCacheStore {
  /** The entry under key, or undefined on a miss (absent, expired, unreadable or store unavailable). */
  get(key: string, now: number): Promise<CachedAnswer | undefined>;
  /** Stores value for ttlMs from now; a store failure is swallowed (caching is best effort). */
  set(key: string, value: CachedAnswer, ttlMs: number, now: number): Promise<void>;
  readonly kind: 'memory' | 'redis';
  close?(): Promise<void>;
}
