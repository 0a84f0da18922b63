import type { RedisClient } from '../../store/index.js';
import { RedisScript } from '../limits/redis-script.js';
import { parseCachedAnswer, serialiseCachedAnswer, type CachedAnswer } from './cached-answer.js';
import type { ResponseCacheStore } from './store.js';

export interface RedisResponseCacheOptions {
  /** prepended to every key, e.g. `strata:cache:` */
  prefix: string;
  /** told about every Redis failure, timeout or unreadable entry, so the caller can count them */
  onError?: (e: Error) => void;
  /** give up on a command after this long and treat it as a miss (default 250 ms) */
  timeoutMs?: number;
  /**
   * Stores made within this many milliseconds go to Redis together, in one script call (default 10); 0 writes
   * each entry with its own SET as soon as it is stored.
   */
  writeDelayMs?: number;
  /** a batch of stores is written as soon as it holds this many entries (default 256) */
  maxBatch?: number;
  /** or as soon as its entries' JSON holds this many characters (default 1 MiB), so no batch holds Redis long */
  maxBatchChars?: number;
}

const DEFAULT_TIMEOUT_MS = 250;
const DEFAULT_WRITE_DELAY_MS = 10;
const DEFAULT_MAX_BATCH = 256;
const DEFAULT_MAX_BATCH_CHARS = 1024 * 1024;

/** KEYS: the entries' keys; ARGV: for each key in turn, its PX expiry in milliseconds, then its value. */
const SET_ALL = new RedisScript(`
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2 * i], 'PX', ARGV[2 * i - 1])
end
return #KEYS
`);

/** Stores not yet sent to Redis, and the promise every one of their set() calls returns. */
interface PendingWrites {
  keys: string[];
  values: string[];
  /** performance.now() at which each entry expires: its TTL counts from the store, not from the write */
  expiresAt: number[];
  /** cache key → entry JSON, so this replica sees its own stores before they reach Redis */
  local: Map<string, string>;
  /** summed length of the values */
  chars: number;
  timer: NodeJS.Timeout | undefined;
  done: Promise<void>;
  settle: () => void;
}

/**
 * Response cache shared by every replica through Redis: one string per entry, expiring by PX.
 * Best effort by design: a Redis failure is a miss on get and a no-op on set, never an error in the
 * request path, because a cache outage must not become a gateway outage.
 *
 * Stores are written behind, in batches: the entries stored within `writeDelayMs` go to Redis in one script
 * call. One SET per cache miss measured ~14% of the server's CPU a request on the Redis-miss benchmark (the
 * command, its reply and the event-loop turns they cost); a batch spreads that over its entries. The price is
 * that other replicas see an entry up to `writeDelayMs` later, and a crash loses at most that much of the
 * cache. This replica's own lookups see its pending entries at once.
 */
export class RedisResponseCache implements ResponseCacheStore {
  readonly kind = 'redis' as const;
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #onError: ((e: Error) => void) | undefined;
  readonly #timeoutMs: number;
  readonly #writeDelayMs: number;
  readonly #maxBatch: number;
  readonly #maxBatchChars: number;
  #pending: PendingWrites | undefined;
  /** batches sent and not yet answered */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(client: RedisClient, opts: RedisResponseCacheOptions) {
    this.#client = client;
    this.#prefix = opts.prefix;
    this.#onError = opts.onError;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#writeDelayMs = opts.writeDelayMs ?? DEFAULT_WRITE_DELAY_MS;
    this.#maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    this.#maxBatchChars = opts.maxBatchChars ?? DEFAULT_MAX_BATCH_CHARS;
    if (!(this.#writeDelayMs >= 0) || !Number.isFinite(this.#writeDelayMs)) throw new RangeError(`writeDelayMs must be a finite number >= 0, got ${this.#writeDelayMs}`);
    if (!Number.isInteger(this.#maxBatch) || this.#maxBatch < 1) throw new RangeError(`maxBatch must be a whole number >= 1, got ${this.#maxBatch}`);
    if (!(this.#maxBatchChars >= 1)) throw new RangeError(`maxBatchChars must be >= 1, got ${this.#maxBatchChars}`);
  }

  /** The entry under key, or undefined when absent, expired (Redis dropped it), unreadable or Redis failed. */
  // `now` is unused: Redis applies the expiry itself, on its own clock
  async get(key: string, _now: number): Promise<CachedAnswer | undefined> {
    let json: string | null | undefined = this.#pending?.local.get(key);
    if (json === undefined) {
      try {
        json = await this.#withDeadline('get', (c) => c.get(this.#prefix + key));
      } catch (e) {
        this.#report(e);
        return undefined;
      }
    }
    if (json === null) return undefined;
    const answer = parseCachedAnswer(json);
    if (answer === undefined) this.#report(new Error('Redis response cache entry is not a cached answer; treated as a miss'));
    return answer;
  }

  /**
   * Stores value with a PX expiry of ttlMs, counted from now. With a write delay the entry joins the pending
   * batch and the promise settles when that batch has been written (or has failed); failures are reported
   * through onError (once per batch) and otherwise ignored.
   */
  set(key: string, value: CachedAnswer, ttlMs: number, _now: number): Promise<void> {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) return Promise.resolve();
    if (this.#writeDelayMs === 0) return this.#setOne(key, value, ttlMs);
    if (!this.#client.isReady) {
      // nothing to wait for: a batch would be dropped at its write anyway
      this.#report(notReady('set'));
      return Promise.resolve();
    }
    const json = serialiseCachedAnswer(value);
    const batch = (this.#pending ??= newBatch());
    batch.keys.push(this.#prefix + key);
    batch.values.push(json);
    batch.expiresAt.push(performance.now() + ttlMs);
    batch.local.set(key, json);
    batch.chars += json.length;
    if (batch.keys.length >= this.#maxBatch || batch.chars >= this.#maxBatchChars) this.#write(batch);
    else if (batch.timer === undefined) {
      batch.timer = setTimeout(() => this.#write(batch), this.#writeDelayMs);
      batch.timer.unref();
    }
    return batch.done;
  }

  /** Writes the pending stores now; resolves once Redis has every store made so far (or their writes failed and were reported). */
  async flush(): Promise<void> {
    if (this.#pending !== undefined) this.#write(this.#pending);
    await Promise.all(this.#inFlight);
  }

  /** Writes what is pending; the Redis client itself belongs to the caller. */
  close(): Promise<void> {
    return this.flush();
  }

  #write(batch: PendingWrites): void {
    if (this.#pending === batch) this.#pending = undefined;
    if (batch.timer !== undefined) clearTimeout(batch.timer);
    const now = performance.now();
    const args: string[] = [];
    for (let i = 0; i < batch.keys.length; i++) {
      // PX takes whole milliseconds; rounding up keeps a sub-millisecond TTL from meaning "no expiry", and an
      // entry whose TTL ran out while it waited lives one millisecond
      args.push(String(Math.max(1, Math.ceil(batch.expiresAt[i]! - now))), batch.values[i]!);
    }
    this.#inFlight.add(batch.done);
    this.#withDeadline('set', (c) => SET_ALL.run(c, batch.keys, args)).then(
      () => this.#landed(batch),
      (e: unknown) => {
        this.#report(e);
        this.#landed(batch);
      },
    );
  }

  #landed(batch: PendingWrites): void {
    this.#inFlight.delete(batch.done);
    batch.settle();
  }

  async #setOne(key: string, value: CachedAnswer, ttlMs: number): Promise<void> {
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
    if (!this.#client.isReady) return Promise.reject(notReady(op));
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

function newBatch(): PendingWrites {
  let settle!: () => void;
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return { keys: [], values: [], expiresAt: [], local: new Map(), chars: 0, timer: undefined, done, settle };
}

function notReady(op: string): Error {
  return new Error(`Redis response cache ${op} skipped: the connection is not ready`);
}
