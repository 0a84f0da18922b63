import type { RedisClient } from '../../store/index.js';

/**
 * Where budget spend is counted. Keys name one budget scope in one window; values are USD.
 * In-process by default; Redis when replicas must share one count.
 */
export interface SpendStore {
  readonly kind: 'memory' | 'redis';
  /** spend so far, or undefined when this scope and window have never been counted here */
  get(key: string): Promise<number | undefined>;
  /** sets the starting spend (from the invocation store) unless a count already exists */
  seed(key: string, usd: number, expiresAt: number): Promise<void>;
  /** adds spend and returns the new total */
  add(key: string, usd: number, expiresAt: number): Promise<number>;
  /** raises the count to at least `usd` (what the shared invocation store shows), never lowers it */
  atLeast(key: string, usd: number, expiresAt: number): Promise<number>;
  /** true exactly once per key, across everyone sharing the store: alerts fire once per window */
  claimOnce(key: string, expiresAt: number): Promise<boolean>;
  /** drops counts and claims that expired before `now` (Redis expires its own keys) */
  prune?(now: number): void;
}

/** One process's counts; entries of past windows are dropped when a newer window is touched. */
export class MemorySpendStore implements SpendStore {
  readonly kind = 'memory';
  readonly #spend = new Map<string, { usd: number; expiresAt: number }>();
  readonly #claimed = new Map<string, number>();

  get(key: string): Promise<number | undefined> {
    return Promise.resolve(this.#spend.get(key)?.usd);
  }

  seed(key: string, usd: number, expiresAt: number): Promise<void> {
    if (!this.#spend.has(key)) this.#spend.set(key, { usd, expiresAt });
    return Promise.resolve();
  }

  add(key: string, usd: number, expiresAt: number): Promise<number> {
    const e = this.#spend.get(key) ?? { usd: 0, expiresAt };
    e.usd += usd;
    this.#spend.set(key, e);
    return Promise.resolve(e.usd);
  }

  atLeast(key: string, usd: number, expiresAt: number): Promise<number> {
    const e = this.#spend.get(key) ?? { usd: 0, expiresAt };
    e.usd = Math.max(e.usd, usd);
    this.#spend.set(key, e);
    return Promise.resolve(e.usd);
  }

  claimOnce(key: string, expiresAt: number): Promise<boolean> {
    if (this.#claimed.has(key)) return Promise.resolve(false);
    this.#claimed.set(key, expiresAt);
    return Promise.resolve(true);
  }

  /** Forgets windows that ended before `now`. */
  prune(now: number): void {
    for (const [k, e] of this.#spend) if (e.expiresAt <= now) this.#spend.delete(k);
    for (const [k, at] of this.#claimed) if (at <= now) this.#claimed.delete(k);
  }
}

// KEYS[1] = spend key; ARGV[1] = usd, ARGV[2] = expire-at (epoch ms). Raise only.
const AT_LEAST = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local want = tonumber(ARGV[1])
if want > cur then redis.call('SET', KEYS[1], ARGV[1]) cur = want end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return tostring(cur)`;

/** Shared counts: INCRBYFLOAT per scope and window, expiring a day after the window ends. */
export class RedisSpendStore implements SpendStore {
  readonly kind = 'redis';
  readonly #client: RedisClient;
  readonly #prefix: string;

  constructor(client: RedisClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  async get(key: string): Promise<number | undefined> {
    const v = await this.#client.get(this.#prefix + key);
    return v === null ? undefined : Number(v);
  }

  async seed(key: string, usd: number, expiresAt: number): Promise<void> {
    await this.#client.set(this.#prefix + key, String(usd), { condition: 'NX', expiration: { type: 'PXAT', value: expiresAt } });
  }

  async add(key: string, usd: number, expiresAt: number): Promise<number> {
    const k = this.#prefix + key;
    const [total] = await this.#client.multi().incrByFloat(k, usd).pExpireAt(k, expiresAt).exec();
    return Number(total);
  }

  async atLeast(key: string, usd: number, expiresAt: number): Promise<number> {
    const v = await this.#client.eval(AT_LEAST, { keys: [this.#prefix + key], arguments: [String(usd), String(expiresAt)] });
    return Number(v);
  }

  async claimOnce(key: string, expiresAt: number): Promise<boolean> {
    const r = await this.#client.set(`${this.#prefix}alert:${key}`, '1', { condition: 'NX', expiration: { type: 'PXAT', value: expiresAt } });
    return r === 'OK';
  }
}
