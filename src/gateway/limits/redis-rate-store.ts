import type { RedisClient } from '../../store/index.js';
import {
  TOKEN_EPSILON,
  validateBuckets,
  validateCharges,
  type BucketCharge,
  type BucketSpec,
  type RateStore,
  type TakeResult,
} from './bucket.js';
import { RedisScript, replyNumber } from './redis-script.js';

// Shared by both scripts. Each bucket is a hash {t = tokens, at = ms of t}. The arithmetic mirrors
// bucket.ts (refill, msUntil) so both engines give the same answers to the same calls.
// A bucket at capacity is deleted rather than stored: full and absent mean the same, and idle
// buckets then cost nothing. Otherwise the key expires a margin after it would be full again.
// Tokens are written with %.17g so that floating-point state survives the round trip exactly.
const PRELUDE = `
local EPS = ${TOKEN_EPSILON}
local MARGIN_MS = 1000
local MAX_TTL_MS = 34560000000
local function load(key, cap, rate, now)
  local s = redis.call('HMGET', key, 't', 'at')
  local t, at = tonumber(s[1]), tonumber(s[2])
  if t == nil or at == nil then return cap, now end
  if now > at then return math.min(cap, t + (now - at) * rate / 1000), now end
  return math.min(cap, t), at
end
local function save(key, t, at, cap, rate)
  if t >= cap then
    redis.call('DEL', key)
    return
  end
  redis.call('HSET', key, 't', string.format('%.17g', t), 'at', string.format('%.17g', at))
  local ttl = math.min(MAX_TTL_MS, math.ceil((cap - t) * 1000 / rate) + MARGIN_MS)
  redis.call('PEXPIRE', key, string.format('%d', ttl))
end
`;

// KEYS: one per bucket. ARGV: now, then capacity, refill/s, cost per bucket.
// Reply: {ok, index of the failed bucket (1-based, 0 = none), retry-after ms, impossible}.
// Nothing is written unless every bucket can pay, which makes the take all-or-nothing; Redis runs
// the script without interleaving other commands, which makes it atomic across replicas.
const TAKE = new RedisScript(`${PRELUDE}
local now = tonumber(ARGV[1])
local tokens, stamps = {}, {}
local failed, wait = 0, 0
for i = 1, #KEYS do
  local cap, rate, cost = tonumber(ARGV[i * 3 - 1]), tonumber(ARGV[i * 3]), tonumber(ARGV[i * 3 + 1])
  local t, at = load(KEYS[i], cap, rate, now)
  tokens[i], stamps[i] = t, at
  if cost > cap then return {0, i, 0, 1} end
  if t + EPS < cost then
    if failed == 0 then failed = i end
    wait = math.max(wait, math.ceil((cost - t) * 1000 / rate))
  end
end
if failed > 0 then return {0, failed, wait, 0} end
for i = 1, #KEYS do
  local cap, rate, cost = tonumber(ARGV[i * 3 - 1]), tonumber(ARGV[i * 3]), tonumber(ARGV[i * 3 + 1])
  save(KEYS[i], tokens[i] - cost, stamps[i], cap, rate)
end
return {1, 0, 0, 0}
`);

// KEYS: one per bucket. ARGV: now, then capacity, refill/s, delta per bucket. Buckets are
// handled one after the other, so the same key twice simply adds up.
const CHARGE = new RedisScript(`${PRELUDE}
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local cap, rate, delta = tonumber(ARGV[i * 3 - 1]), tonumber(ARGV[i * 3]), tonumber(ARGV[i * 3 + 1])
  local t, at = load(KEYS[i], cap, rate, now)
  save(KEYS[i], math.min(cap, t - delta), at, cap, rate)
end
return 1
`);

/** Token buckets in Redis, shared by every replica; one Lua script per call keeps them atomic. */
export class RedisRateStore implements RateStore {
  readonly #client: RedisClient;
  readonly #prefix: string;

  /** Keys are `${prefix}rate:${bucket key}`; the client stays owned by the caller. */
  constructor(client: RedisClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  /** Takes every bucket's cost, or nothing when any bucket is short (one atomic script). */
  async take(buckets: BucketSpec[], now: number): Promise<TakeResult> {
    validateBuckets(buckets);
    if (buckets.length === 0) return { ok: true, retryAfterMs: 0 };
    const args = [String(now)];
    for (const b of buckets) args.push(String(b.capacity), String(b.refillPerSec), String(b.cost));
    const reply = await TAKE.run(this.#client, buckets.map((b) => this.#key(b.key)), args);
    if (replyNumber(reply, 0) === 1) return { ok: true, retryAfterMs: 0 };
    const failed = buckets[replyNumber(reply, 1) - 1];
    if (failed === undefined) throw new TypeError('rate limit script named a bucket that was not passed');
    return replyNumber(reply, 3) === 1
      ? { ok: false, failed, retryAfterMs: 0, impossible: true }
      : { ok: false, failed, retryAfterMs: replyNumber(reply, 2) };
  }

  /** Adjusts buckets after the fact: consumption may go into debt, refunds stop at capacity. */
  async charge(charges: BucketCharge[], now: number): Promise<void> {
    validateCharges(charges);
    if (charges.length === 0) return;
    const args = [String(now)];
    for (const c of charges) args.push(String(c.capacity), String(c.refillPerSec), String(c.delta));
    await CHARGE.run(this.#client, charges.map((c) => this.#key(c.key)), args);
  }

  #key(key: string): string {
    return `${this.#prefix}rate:${key}`;
  }
}
