import type { RedisClient } from '../../store/index.js';
import { parseCachedAnswer, serialiseCachedAnswer, type CachedAnswer } from './cached-answer.js';
import type { ResponseCacheStore } from './store.js';

export interface RedisResponseCacheOptions {
  /** prepended to every key, e.g. `strata:cache:` */
  prefix: string;
  /** told about every Redis failure, timeout or unreadable entry, so the caller can count them */
  onError?: (e: Error) => void;
  /** give up on a command after this long and treat it as a miss (default 250 ms) */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 250;

/**
 * Response cache shared by every replica through Redis: one string per entry, expiring by PX.
 * Best effort by design: a Redis failure is a miss on get and a no-op on set, never an error in the
 * request path, because a cache outage must not become a gateway outage.
 */
export class RedisResponseCache implements ResponseCacheStore {
  readonly kind = 'redis' as const;
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #onError: ((e: Error) => void) | undefined;
  readonly #timeoutMs: number;

  constructor(client: RedisClient, opts: RedisResponseCacheOptions) {
    this.#client = client;
    this.#prefix = opts.prefix;
    this.#onError = opts.onError;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The entry under key, or undefined when absent, expired (Redis dropped it), unreadable or Redis failed. */
  // `now` is unused: Redis applies the expiry itself, on its own clock
  async get(key: string, _now: number): Promise<CachedAnswer | undefined> {
    let json: string | null;
    try {
      json = await this.#withDeadline('get', (c) => c.get(this.#prefix + key));
    } catch (e) {
      this.#report(e);
      return undefined;
    }
    if (json === null) return undefined;
    const answer = parseCachedAnswer(json);
    if (answer === undefined) this.#report(new Error('Redis response cache entry is not a cached answer; treated as a miss'));
    return answer;
  }

  /** Stores value with a PX expiry of ttlMs; failures are reported through onError and otherwise ignored. */
  async set(key: string, value: CachedAnswer, ttlMs: number, _now: number): Promise<void> {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) return;
    // PX takes whole milliseconds; rounding up keeps a sub-millisecond TTL from meaning "no expiry"
    const px = Math.ceil(ttlMs);
    try {
      await this.#withDeadline('set', (c) =>
        c.set(this.#prefix + key, serialiseCachedAnswer(value), { expiration: { type: 'PX', value: px } }),
      );
    } catch (e) {
      this.#report(e);
    }
  }

  // While the client reconnects, node-redis queues commands indefinitely; a cache lookup must not hold a
  // request that long, so a client that is not ready is a miss at once. The timer bounds a command sent to
  // a slow server; a command that loses the race may still run later, which for a cache is harmless (a late
  // GET is ignored, a late SET stores a correct answer). No AbortSignal per command: measured as a large
  // share of the Redis path's cost, for a case the readiness check already covers.
  #withDeadline<T>(op: string, run: (c: RedisClient) => Promise<T>): Promise<T> {
    if (!this.#client.isReady) return Promise.reject(new Error(`Redis response cache ${op} skipped: the connection is not ready`));
    // one promise settled by whichever comes first, the reply or the timer (a Promise.race over a deadline
    // promise allocated three); a synchronous throw of `run` rejects it before any timer exists
    return new Promise<T>((resolve, reject) => {
      const command = run(this.#client);
      const timer = setTimeout(() => reject(new Error(`Redis response cache ${op} timed out after ${this.#timeoutMs} ms`)), this.#timeoutMs);
      timer.unref();
      // a reply or failure after the deadline settles nothing: the promise has already been rejected
      command.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  #report(e: unknown): void {
    if (this.#onError === undefined) return;
    try {
      this.#onError(e instanceof Error ? e : new Error(String(e)));
    } catch {
      // a faulty error callback must not turn a cache miss into a failed request
    }
  }
}
