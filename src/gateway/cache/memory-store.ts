import { StrataError } from '../../core/index.js';
import { parseCachedAnswer, serialiseCachedAnswer, type CachedAnswer } from './cached-answer.js';
import type { ResponseCacheStore } from './store.js';

export interface MemoryResponseCacheOptions {
  /** upper bound on the summed size of all entries (serialised value + key, in UTF-8 bytes) */
  maxBytes: number;
}

interface MemoryEntry {
  // Held serialised: every hit returns a fresh object (a caller mutating it cannot corrupt the
  // cache) and the byte count is exact rather than an estimate of object overhead.
  json: string;
  expiresAt: number;
  bytes: number;
}

/** In-process LRU response cache bounded by bytes; the embedded default when Redis is not configured. */
export class MemoryResponseCache implements ResponseCacheStore {
  readonly kind = 'memory' as const;
  readonly #maxBytes: number;
  readonly #maxEntryBytes: number;
  // Map iteration order is insertion order: re-inserting on every hit keeps the least recently
  // used entry first, which makes eviction O(1) without a separate linked list.
  readonly #entries = new Map<string, MemoryEntry>();
  #bytes = 0;

  constructor(opts: MemoryResponseCacheOptions) {
    if (!Number.isFinite(opts.maxBytes) || opts.maxBytes <= 0) {
      throw new StrataError('config_invalid', `cache maxBytes must be a positive number, got ${String(opts.maxBytes)}`);
    }
    this.#maxBytes = opts.maxBytes;
    // one huge answer must not flush the whole cache
    this.#maxEntryBytes = opts.maxBytes / 4;
  }

  /** Summed size of the entries held, in bytes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of entries held (expired ones count until they are touched or evicted). */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry under key unless it is absent or expired; a hit becomes the most recently used. */
  get(key: string, now: number): Promise<CachedAnswer | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return Promise.resolve(undefined);
    this.#entries.delete(key);
    if (now >= entry.expiresAt) {
      this.#bytes -= entry.bytes;
      return Promise.resolve(undefined);
    }
    this.#entries.set(key, entry);
    return Promise.resolve(parseCachedAnswer(entry.json));
  }

  /** Stores value until now + ttlMs, evicting least recently used entries to stay within maxBytes. */
  set(key: string, value: CachedAnswer, ttlMs: number, now: number): Promise<void> {
    this.#remove(key);
    if (!(ttlMs > 0)) return Promise.resolve();
    const json = serialiseCachedAnswer(value);
    const bytes = Buffer.byteLength(json, 'utf8') + Buffer.byteLength(key, 'utf8');
    if (bytes > this.#maxEntryBytes) return Promise.resolve();
    while (this.#bytes + bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#remove(oldest.value);
    }
    this.#entries.set(key, { json, expiresAt: now + ttlMs, bytes });
    this.#bytes += bytes;
    return Promise.resolve();
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}
