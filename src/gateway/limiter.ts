import { StrataError, asClientLink, type ClientLink, type Clock, type Usage } from '../core/index.js';
import type { GatewayMetrics } from '../observe/index.js';
import {
  AdaptiveThrottle,
  AdmissionQueue,
  type BucketCharge,
  type BucketSpec,
  type ConcurrencyStore,
  type RateStore,
  type TakeResult,
} from './limits/index.js';
import type { ModelEntry } from './types.js';

/** requests/minute and tokens/minute; absent = unlimited */
export interface RateLimits {
  rpm?: number;
  tpm?: number;
}

/** A model's quota as strata.yaml gives it (`models.<alias>.limits`). */
export interface ModelLimits extends RateLimits {
  concurrency?: number;
  adaptive: boolean;
}

export interface LimiterConfig {
  /** by tenant name; '*' for every tenant without its own entry */
  tenants: Record<string, RateLimits>;
  /** each API key */
  keys?: RateLimits;
  queue: { maxWaitMs: number; maxQueue: number };
  /** by model alias; models not listed get only the adaptive throttle (when they are remote) */
  models: Record<string, { provider: string; limits?: ModelLimits }>;
  /** how long a concurrency slot may be held before it is presumed lost (longest request + margin) */
  leaseMs: number;
}

/** A model call admitted past its limits; done() gives the slot back and settles the token count. */
export interface ModelLease {
  done(outcome: { usage?: Usage; throttled?: boolean }): void;
}

interface ModelGate {
  alias: string;
  limits: ModelLimits | undefined;
  queue?: AdmissionQueue;
  throttle?: AdaptiveThrottle;
}

const MINUTE = 60;

const noSettle = (): void => undefined;

/** An owner's (tenant's, key's, model's) bucket keys and labels: the same for every request. */
interface BucketNames {
  rpmKey: string;
  rpmLabel: string;
  tpmKey: string;
  tpmLabel: string;
}

/**
 * Bucket keys and labels by owner, kept rather than written per request: the stores look buckets up by key,
 * and a key built by concatenation is a new string to flatten and hash every time. Looked up by the owner's
 * name as it arrives (the same string objects request after request). Bounded: cleared when full.
 */
class BucketNameCache {
  readonly #byName = new Map<string, BucketNames>();
  constructor(
    readonly prefix: string,
    readonly who: (name: string) => string,
  ) {}

  get(name: string, l: RateLimits): BucketNames {
    let n = this.#byName.get(name);
    if (n === undefined) {
      const owner = `${this.prefix}${name}`;
      const w = this.who(name);
      n = { rpmKey: `${owner}:rpm`, rpmLabel: `${w} requests/minute (${l.rpm})`, tpmKey: `${owner}:tpm`, tpmLabel: `${w} tokens/minute (${l.tpm})` };
      if (this.#byName.size >= 10_000) this.#byName.clear();
      this.#byName.set(name, n);
    }
    return n;
  }
}

/** The buckets of `l` for one request, appended to `out`. */
function rateBuckets(names: BucketNameCache, name: string, l: RateLimits | undefined, tokens: number, out: BucketSpec[] = []): BucketSpec[] {
  if (!l || (l.rpm === undefined && l.tpm === undefined)) return out;
  const n = names.get(name, l);
  if (l.rpm !== undefined) out.push({ key: n.rpmKey, capacity: l.rpm, refillPerSec: l.rpm / MINUTE, cost: 1, label: n.rpmLabel });
  if (l.tpm !== undefined) out.push({ key: n.tpmKey, capacity: l.tpm, refillPerSec: l.tpm / MINUTE, cost: tokens, label: n.tpmLabel });
  return out;
}

/** The input tokens a set of limits counts: the tokenizer runs only when one of them is a tokens/minute limit, nothing else reads it. */
function tokensIf(counted: boolean, estimateTokens: number | (() => number)): number {
  if (!counted) return 0;
  return typeof estimateTokens === 'function' ? estimateTokens() : estimateTokens;
}

const estimateFor = (gate: ModelGate, estimateTokens: number | (() => number)): number => tokensIf(gate.limits?.tpm !== undefined, estimateTokens);

/** The tenant's own entry, else '*'. Own keys only: a tenant named 'constructor' must not find Object.prototype's. */
function tenantLimits(tenants: Record<string, RateLimits>, tenant: string): RateLimits | undefined {
  if (Object.hasOwn(tenants, tenant)) return tenants[tenant];
  return Object.hasOwn(tenants, '*') ? tenants['*'] : undefined;
}

function tpmCharge(buckets: BucketSpec[], delta: number): BucketCharge[] {
  return buckets.filter((b) => b.key.endsWith(':tpm')).map((b) => ({ key: b.key, capacity: b.capacity, refillPerSec: b.refillPerSec, delta }));
}

function limitError(spec: BucketSpec, retryAfterMs: number, scope: string, fallbackAllowed: boolean): StrataError {
  return new StrataError('rate_limited', `Rate limit reached: ${spec.label}. Retry after ${Math.ceil(retryAfterMs / 1000)} s.`, {
    retryAfterMs: Math.max(1, retryAfterMs),
    fallbackAllowed,
    details: { limit: spec.label, scope },
  });
}

function impossibleError(spec: BucketSpec, fallbackAllowed: boolean): StrataError {
  return new StrataError(
    'rate_limited',
    `This request needs about ${Math.ceil(spec.cost)} tokens, more than the whole ${spec.label} allows; it can never be admitted. Shorten it or raise the limit.`,
    { status: 400, fallbackAllowed, details: { limit: spec.label, impossible: true } },
  );
}

/**
 * Rate limits and admission control: token buckets per tenant and per key (checked once per request),
 * and per model quotas, concurrency caps with a FIFO admission queue, and an adaptive (AIMD) throttle
 * (checked before every upstream call, so a model at its quota hands the request to the next model of
 * the chain). Input tokens are estimated before the call and reconciled with the usage afterwards,
 * output tokens counted when they are reported. Buckets and slots live in a RateStore / ConcurrencyStore:
 * in-process, or Redis so that replicas share one limit.
 */
export class GatewayLimiter {
  readonly #cfg: LimiterConfig;
  readonly #rates: RateStore;
  readonly #slots: ConcurrencyStore;
  readonly #clock: Clock;
  readonly #metrics: GatewayMetrics | undefined;
  readonly #gates = new Map<string, ModelGate>();
  /** token corrections waiting to be sent together (shared stores only) */
  readonly #pending = new Map<string, BucketCharge>();
  #flushScheduled = false;
  readonly #batchCharges: boolean;
  readonly #tenantNames = new BucketNameCache('t:', (t) => `tenant '${t}'`);
  readonly #keyNames = new BucketNameCache('k:', (k) => `API key ${k}`);
  readonly #modelNames = new BucketNameCache('m:', (m) => `model '${m}'`);

  /**
   * `batchCharges`: send the after-the-fact token corrections of one event-loop turn as one call. Worth it
   * on a shared store (a Redis round trip per correction otherwise); corrections never refuse anything,
   * so sending them a moment later changes no decision made in between by more than that moment's usage.
   */
  constructor(cfg: LimiterConfig, rates: RateStore, slots: ConcurrencyStore, clock: Clock, metrics?: GatewayMetrics, opts: { batchCharges?: boolean } = {}) {
    this.#batchCharges = opts.batchCharges ?? false;
    this.#cfg = cfg;
    this.#rates = rates;
    this.#slots = slots;
    this.#clock = clock;
    this.#metrics = metrics;
    for (const [alias, m] of Object.entries(cfg.models)) {
      const limits = m.limits;
      const gate: ModelGate = { alias, limits };
      if (limits?.concurrency !== undefined) {
        gate.queue = new AdmissionQueue({
          store: slots,
          key: `m:${alias}:conc`,
          limit: limits.concurrency,
          maxQueue: cfg.queue.maxQueue,
          maxWaitMs: cfg.queue.maxWaitMs,
          clock,
          label: `model '${alias}' concurrency (${limits.concurrency})`,
          leaseMs: cfg.leaseMs,
        });
      }
      // the local models never throttle; remote ones get the adaptive throttle unless switched off
      if (m.provider !== 'local' && (limits?.adaptive ?? true)) {
        gate.throttle = new AdaptiveThrottle({ clock });
        metrics?.adaptiveRate.set({ model: alias }, 0);
      }
      if (gate.queue || gate.throttle || limits?.rpm !== undefined || limits?.tpm !== undefined) this.#gates.set(alias, gate);
    }
  }

  /** whether any tenant or key limit is configured (the per-request step is needed) */
  get hasRequestLimits(): boolean {
    return Object.keys(this.#cfg.tenants).length > 0 || this.#cfg.keys !== undefined;
  }

  /** whether any model has a gate (the per-attempt admission is needed) */
  get hasModelGates(): boolean {
    return this.#gates.size > 0;
  }

  /**
   * Takes one request and its estimated input tokens from the tenant's and the key's buckets, or throws
   * 429 rate_limited naming the limit. Returns the reconciliation to run with the actual token count.
   */
  async admitRequest(tenant: string, keyId: string | undefined, estimateTokens: number | (() => number)): Promise<(actualTokens: number) => void> {
    const { buckets, estimate } = this.#requestBuckets(tenant, keyId, estimateTokens);
    if (buckets.length === 0) return noSettle;
    return this.#admitted(buckets, await this.#rates.take(buckets, this.#clock.now()), estimate);
  }

  /**
   * admitRequest() without waiting, when the store can answer at once (in-process limits, or a replica's
   * local allowance on Redis): the reconciliation, or a throw exactly as admitRequest; undefined when the store
   * must be asked, and then nothing was taken (call admitRequest).
   */
  admitRequestNow(tenant: string, keyId: string | undefined, estimateTokens: number | (() => number)): ((actualTokens: number) => void) | undefined {
    const { buckets, estimate } = this.#requestBuckets(tenant, keyId, estimateTokens);
    if (buckets.length === 0) return noSettle;
    const r = this.#rates.takeNow?.(buckets, this.#clock.now());
    return r === undefined ? undefined : this.#admitted(buckets, r, estimate);
  }

  /** The tenant's and the key's buckets, and the input tokens they count (0 without a tokens/minute limit). */
  #requestBuckets(tenant: string, keyId: string | undefined, estimateTokens: number | (() => number)): { buckets: BucketSpec[]; estimate: number } {
    // a tenant's limits are its own entry or '*': the cache is per tenant name either way
    const tenantRates = tenantLimits(this.#cfg.tenants, tenant);
    const keyRates = keyId !== undefined ? this.#cfg.keys : undefined;
    const estimate = tokensIf(tenantRates?.tpm !== undefined || keyRates?.tpm !== undefined, estimateTokens);
    const buckets = rateBuckets(this.#tenantNames, tenant, tenantRates, estimate);
    if (keyId !== undefined) rateBuckets(this.#keyNames, keyId, keyRates, estimate, buckets);
    return { buckets, estimate };
  }

  #admitted(buckets: BucketSpec[], r: TakeResult, estimate: number): (actualTokens: number) => void {
    if (!r.ok) {
      const failed = r.failed!;
      const scope = failed.key.startsWith('t:') ? 'tenant' : 'key';
      this.#metrics?.rateLimited.inc({ scope, limit: failed.key.slice(failed.key.lastIndexOf(':') + 1) });
      throw r.impossible ? impossibleError(failed, false) : limitError(failed, r.retryAfterMs, scope, false);
    }
    return (actual) => this.#settle(buckets, actual - estimate);
  }

  /**
   * Admits one call to a model: a concurrency slot (waiting in FIFO order up to the queue's max wait),
   * the model's rpm/tpm buckets and the adaptive throttle (waiting while the wait fits in what is left of
   * the max wait). Throws rate_limited with fallbackAllowed, so the chain moves on to its next model.
   */
  async admitModel(entry: ModelEntry, estimateTokens: number | (() => number), caller: AbortSignal | ClientLink | undefined): Promise<ModelLease | undefined> {
    const gate = this.#gates.get(entry.alias);
    if (!gate) return undefined;
    const client = asClientLink(caller);
    const estimate = estimateFor(gate, estimateTokens);
    const started = this.#clock.now();
    const giveUpAt = started + this.#cfg.queue.maxWaitMs;
    let release: (() => void) | undefined;
    if (gate.queue) {
      try {
        release = await gate.queue.acquire(client);
      } catch (e) {
        if (e instanceof StrataError && e.code === 'rate_limited') {
          this.#metrics?.rateLimited.inc({ scope: 'model', limit: 'concurrency' });
          throw new StrataError('rate_limited', e.message, { retryAfterMs: e.retryAfterMs, fallbackAllowed: true, details: e.details });
        }
        throw e;
      }
    }
    try {
      const buckets = rateBuckets(this.#modelNames, entry.alias, gate.limits, estimate);
      while (buckets.length > 0) {
        const r = await this.#rates.take(buckets, this.#clock.now());
        if (r.ok) break;
        const failed = r.failed!;
        if (r.impossible) throw impossibleError(failed, true);
        if (this.#clock.now() + r.retryAfterMs > giveUpAt) {
          this.#metrics?.rateLimited.inc({ scope: 'model', limit: failed.key.slice(failed.key.lastIndexOf(':') + 1) });
          throw limitError(failed, r.retryAfterMs, 'model', true);
        }
        await this.#clock.sleep(r.retryAfterMs, client?.signal);
      }
      if (gate.throttle) {
        for (let wait = gate.throttle.admit(); wait > 0; wait = gate.throttle.admit()) {
          if (this.#clock.now() + wait > giveUpAt) {
            this.#metrics?.rateLimited.inc({ scope: 'model', limit: 'adaptive' });
            const rpm = gate.throttle.rateRpm ?? 0;
            throw new StrataError('rate_limited', `Model '${entry.alias}' is throttling: Strata holds its send rate at ${rpm.toFixed(1)} requests/minute until it recovers.`, {
              retryAfterMs: wait,
              fallbackAllowed: true,
              details: { limit: `model '${entry.alias}' adaptive rate`, scope: 'model' },
            });
          }
          await this.#clock.sleep(wait, client?.signal);
        }
      }
      this.#metrics?.admissionWait.observe({ model: entry.alias }, (this.#clock.now() - started) / 1000);
      return this.#lease(gate, entry, buckets, estimate, release);
    } catch (e) {
      release?.();
      throw e;
    }
  }

  /**
   * admitModel() without waiting, when nothing has to wait: the adaptive throttle open, a free slot with
   * nobody queued for one, and buckets the store answers at once and that have room. `{ lease }` then;
   * undefined when something must wait or be asked, and then nothing was taken (call admitModel).
   */
  admitModelNow(entry: ModelEntry, estimateTokens: number | (() => number), caller: AbortSignal | ClientLink | undefined): { lease: ModelLease | undefined } | undefined {
    const gate = this.#gates.get(entry.alias);
    if (!gate) return { lease: undefined };
    if (asClientLink(caller)?.gone) return undefined;
    if (gate.throttle && gate.throttle.waitMs() > 0) return undefined;
    const estimate = estimateFor(gate, estimateTokens);
    let release: (() => void) | undefined;
    if (gate.queue) {
      release = gate.queue.acquireNow();
      if (release === undefined) return undefined;
    }
    const buckets = rateBuckets(this.#modelNames, entry.alias, gate.limits, estimate);
    if (buckets.length > 0) {
      let r: TakeResult | undefined;
      try {
        r = this.#rates.takeNow?.(buckets, this.#clock.now());
      } catch (e) {
        release?.();
        throw e;
      }
      if (r === undefined || !r.ok) {
        // all or nothing: a refusal took nothing, and admitModel will wait or refuse with the same buckets
        release?.();
        return undefined;
      }
    }
    if (gate.throttle && gate.throttle.admit() > 0) {
      // only if the clock stepped back since waitMs(): give back the slot and the tokens (the request count
      // stays taken, as after any admitted call), and let admitModel wait
      release?.();
      if (buckets.length > 0) this.#settle(buckets, -estimate);
      return undefined;
    }
    this.#metrics?.admissionWait.observe({ model: entry.alias }, 0);
    return { lease: this.#lease(gate, entry, buckets, estimate, release) };
  }

  /** The admitted call's lease: done() gives the slot back, settles the tokens and feeds the throttle. */
  #lease(gate: ModelGate, entry: ModelEntry, buckets: BucketSpec[], estimate: number, release: (() => void) | undefined): ModelLease {
    let settled = false;
    return {
      done: ({ usage, throttled }) => {
        if (settled) return;
        settled = true;
        release?.();
        const actual = usage ? usage.inputTokens + usage.outputTokens : 0;
        if (buckets.length > 0) this.#settle(buckets, actual - estimate);
        const t = gate.throttle;
        if (t) {
          if (throttled) {
            const before = t.rateRpm;
            t.onThrottled();
            if (t.rateRpm !== before) this.#metrics?.adaptiveDecreases.inc({ model: entry.alias });
          } else if (usage) t.onSuccess();
          this.#metrics?.adaptiveRate.set({ model: entry.alias }, t.rateRpm ?? 0);
        }
      },
    };
  }

  /** Returns what this replica holds of shared buckets (a leased store's allowances). */
  async close(): Promise<void> {
    await this.#rates.close?.();
    await this.#slots.close?.();
  }

  /** the adaptive throttle's current limit for a model (requests/minute; undefined = not limiting) */
  adaptiveRateRpm(alias: string): number | undefined {
    return this.#gates.get(alias)?.throttle?.rateRpm;
  }

  #settle(buckets: BucketSpec[], delta: number): void {
    if (delta === 0) return;
    const charges = tpmCharge(buckets, delta);
    if (charges.length === 0) return;
    if (!this.#batchCharges) {
      void this.#rates.charge(charges, this.#clock.now()).catch(() => undefined);
      return;
    }
    for (const c of charges) {
      const p = this.#pending.get(c.key);
      if (p) p.delta += c.delta;
      else this.#pending.set(c.key, { ...c });
    }
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      const all = [...this.#pending.values()].filter((c) => c.delta !== 0);
      this.#pending.clear();
      if (all.length > 0) void this.#rates.charge(all, this.#clock.now()).catch(() => undefined);
    });
  }
}
