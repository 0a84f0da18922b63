import { StrataError, systemClock, type Clock } from '../../core/index.js';
import type { PromptVersion } from '../types.js';

/** What a resolved prompt is cached under: a label and a version are different entries, never the name alone. */
export interface PromptCacheKey {
  tenant: string;
  name: string;
  /** a label (default `latest` when no version is given) */
  label?: string;
  version?: number;
}

export interface ResolvedPromptCacheOptions {
  /** how long a label's resolution is served without asking the registry (default 5 s) */
  ttlMs?: number;
  /**
   * how long past the TTL a label's last resolution may still be served while refreshes fail
   * (default 5 min); beyond it the registry must answer or the request fails (or uses its fallback)
   */
  maxStaleMs?: number;
  /** a version never changes, so pinned entries live long (default 1 h) */
  pinnedTtlMs?: number;
  /** least recently used entries beyond this are dropped (default 10 000) */
  maxEntries?: number;
  clock?: Clock;
  /** told when a background refresh fails and a stale entry keeps being served */
  onRefreshError?: (error: unknown, key: PromptCacheKey) => void;
}

/** Counters for tests and metrics. */
export interface ResolvedPromptCacheStats {
  hits: number;
  staleHits: number;
  loads: number;
  refreshes: number;
  refreshFailures: number;
  evictions: number;
}

interface Entry {
  key: PromptCacheKey;
  value: PromptVersion;
  fetchedAt: number;
  pinned: boolean;
  refreshing: boolean;
  /** after a failed refresh, the next one waits until then so a down registry is not asked per request */
  retryAt: number;
}

/** Loads one resolution from the registry. */
export type PromptLoader = () => Promise<PromptVersion>;

const REFRESH_RETRY_MS = 1000;

/** The key as text; `label` wins over `version` only when both are absent (then it is `latest`). */
export function cacheKeyString(key: PromptCacheKey): string {
  const ref = key.version !== undefined ? `v:${key.version}` : `l:${key.label ?? 'latest'}`;
  return `${key.tenant}\u0000${key.name}\u0000${ref}`;
}

function isNotFound(e: unknown): boolean {
  return e instanceof StrataError && e.code === 'not_found';
}

/**
 * Resolved prompts with a TTL and stale-while-revalidate: a stale label entry is served while one
 * background refresh runs; a refresh that fails keeps the stale entry up to maxStaleMs; one that
 * finds the label gone (not_found) evicts it. Invalidation (bus messages) drops label entries at
 * once, and a load that started before an invalidation never writes its older answer back.
 */
export class ResolvedPromptCache {
  readonly #ttlMs: number;
  readonly #maxStaleMs: number;
  readonly #pinnedTtlMs: number;
  readonly #maxEntries: number;
  readonly #clock: Clock;
  readonly #onRefreshError: ResolvedPromptCacheOptions['onRefreshError'];
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<PromptVersion>>();
  /** invalidation sequence: a load remembers the value at its start and stores only if nothing newer hit its key */
  #seq = 0;
  readonly #invalidatedAt = new Map<string, number>();
  #resyncAt = 0;
  #pending = 0;
  readonly stats: ResolvedPromptCacheStats = { hits: 0, staleHits: 0, loads: 0, refreshes: 0, refreshFailures: 0, evictions: 0 };

  constructor(opts: ResolvedPromptCacheOptions = {}) {
    this.#ttlMs = opts.ttlMs ?? 5000;
    this.#maxStaleMs = opts.maxStaleMs ?? 300_000;
    this.#pinnedTtlMs = opts.pinnedTtlMs ?? 3_600_000;
    this.#maxEntries = Math.max(1, opts.maxEntries ?? 10_000);
    this.#clock = opts.clock ?? systemClock;
    this.#onRefreshError = opts.onRefreshError;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Whether a servable (fresh or stale) entry exists for key. */
  has(key: PromptCacheKey): boolean {
    return this.#entries.has(cacheKeyString(key));
  }

  /** The resolution for key: cached, stale while one refresh runs, or loaded (one load per key at a time). */
  async get(key: PromptCacheKey, load: PromptLoader): Promise<PromptVersion> {
    const k = cacheKeyString(key);
    const e = this.#entries.get(k);
    if (e) {
      const age = this.#clock.now() - e.fetchedAt;
      if (age < (e.pinned ? this.#pinnedTtlMs : this.#ttlMs)) {
        this.stats.hits++;
        this.#touch(k, e);
        return e.value;
      }
      if (!e.pinned && age < this.#ttlMs + this.#maxStaleMs) {
        this.stats.staleHits++;
        this.#touch(k, e);
        this.#refresh(k, e, load);
        return e.value;
      }
    }
    return this.#load(k, key, load);
  }

  /** Drops label entries of a prompt: one label, or every label of it when none is named. Versions stay. */
  invalidate(tenant: string, name: string, label?: string): void {
    const seq = ++this.#seq;
    if (label !== undefined) {
      const k = cacheKeyString({ tenant, name, label });
      this.#invalidatedAt.set(k, seq);
      if (this.#entries.delete(k)) this.stats.evictions++;
      return;
    }
    for (const [k, e] of this.#entries) {
      if (e.pinned || e.key.tenant !== tenant || e.key.name !== name) continue;
      this.#invalidatedAt.set(k, seq);
      this.#entries.delete(k);
      this.stats.evictions++;
    }
    // loads of this prompt's labels not yet in the map must not write back either
    for (const k of this.#inflight.keys()) if (k.startsWith(`${tenant}\u0000${name}\u0000l:`)) this.#invalidatedAt.set(k, seq);
  }

  /** Drops every label entry (changes may have been missed); pinned versions stay, they cannot change. */
  invalidateAllLabels(): void {
    this.#resyncAt = ++this.#seq;
    for (const [k, e] of this.#entries) {
      if (e.pinned) continue;
      this.#entries.delete(k);
      this.stats.evictions++;
    }
  }

  clear(): void {
    this.#resyncAt = ++this.#seq;
    this.#entries.clear();
  }

  #touch(k: string, e: Entry): void {
    // Map order is insertion order: re-inserting makes it the most recently used
    this.#entries.delete(k);
    this.#entries.set(k, e);
  }

  #invalidatedSince(k: string, pinned: boolean, startSeq: number): boolean {
    if (!pinned && this.#resyncAt > startSeq) return true;
    return (this.#invalidatedAt.get(k) ?? 0) > startSeq;
  }

  #store(k: string, key: PromptCacheKey, value: PromptVersion, startSeq: number): void {
    const pinned = key.version !== undefined;
    if (this.#invalidatedSince(k, pinned, startSeq)) return;
    this.#entries.delete(k);
    this.#entries.set(k, { key, value, fetchedAt: this.#clock.now(), pinned, refreshing: false, retryAt: 0 });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
      this.stats.evictions++;
    }
  }

  #begin(): number {
    this.#pending++;
    return this.#seq;
  }

  #end(): void {
    // invalidation marks only matter to loads in flight; with none left they can go
    if (--this.#pending === 0) this.#invalidatedAt.clear();
  }

  #load(k: string, key: PromptCacheKey, load: PromptLoader): Promise<PromptVersion> {
    const running = this.#inflight.get(k);
    if (running) return running;
    this.stats.loads++;
    const startSeq = this.#begin();
    const p = (async () => {
      try {
        const value = await load();
        this.#store(k, key, value, startSeq);
        return value;
      } catch (e) {
        // too stale to serve and the registry did not answer: the entry is of no more use
        if (this.#entries.delete(k)) this.stats.evictions++;
        throw e;
      } finally {
        this.#inflight.delete(k);
        this.#end();
      }
    })();
    this.#inflight.set(k, p);
    return p;
  }

  #refresh(k: string, e: Entry, load: PromptLoader): void {
    const now = this.#clock.now();
    if (e.refreshing || now < e.retryAt || this.#inflight.has(k)) return;
    e.refreshing = true;
    this.stats.refreshes++;
    const startSeq = this.#begin();
    load().then(
      (value) => {
        e.refreshing = false;
        if (this.#entries.get(k) === e) this.#store(k, e.key, value, startSeq);
        this.#end();
      },
      (err: unknown) => {
        e.refreshing = false;
        this.#end();
        if (isNotFound(err)) {
          // the label was removed (or the prompt deleted): never keep serving it
          if (this.#entries.get(k) === e) {
            this.#entries.delete(k);
            this.stats.evictions++;
          }
          return;
        }
        this.stats.refreshFailures++;
        e.retryAt = this.#clock.now() + Math.min(REFRESH_RETRY_MS, this.#ttlMs);
        this.#onRefreshError?.(err, e.key);
      },
    );
  }
}
