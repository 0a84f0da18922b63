import type { RedisClient } from '../../store/index.js';
import type { ConcurrencyStore } from './concurrency.js';
import { RedisScript } from './redis-script.js';

// KEYS[1]: sorted set leaseId → expiry (ms, the callers' clock). ARGV: now, limit, leaseId, leaseMs.
// Expired leases are pruned in the same script that counts, so a crashed replica's slots return
// to whoever asks next and the count never includes them. The key's own TTL (server time) only
// cleans up keys nobody asks about any more; it is extended, never shortened.
const ACQUIRE = new RedisScript(`
local now, limit, lease, leaseMs = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.17g', now))
if redis.call('ZSCORE', KEYS[1], lease) == false and redis.call('ZCARD', KEYS[1]) >= limit then
  return 0
end
redis.call('ZADD', KEYS[1], string.format('%.17g', now + leaseMs), lease)
local ttl = math.ceil(leaseMs) + 1000
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl)) end
return 1
`);

/** Concurrency slots in Redis shared by every replica: one sorted set of leases per key. */
export class RedisConcurrencyStore implements ConcurrencyStore {
  readonly #client: RedisClient;
  readonly #prefix: string;

  /** Keys are `${prefix}conc:${key}`; the client stays owned by the caller. */
  constructor(client: RedisClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  /** Takes a slot when fewer than limit live leases exist (atomic across replicas). */
  async tryAcquire(key: string, limit: number, leaseId: string, now: number, leaseMs: number): Promise<boolean> {
    const reply = await ACQUIRE.run(this.#client, [this.#key(key)], [String(now), String(limit), leaseId, String(leaseMs)]);
    return reply === 1;
  }

  /** Gives the slot back; idempotent. */
  async release(key: string, leaseId: string): Promise<void> {
    await this.#client.zRem(this.#key(key), leaseId);
  }

  /** Live leases of the key. */
  async count(key: string, now: number): Promise<number> {
    return this.#client.zCount(this.#key(key), `(${now}`, '+inf');
  }

  #key(key: string): string {
    return `${this.#prefix}conc:${key}`;
  }
}
