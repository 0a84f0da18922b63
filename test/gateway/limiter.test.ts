import { describe, expect, it } from 'vitest';
import { StrataError } from '../../src/core/index.js';
import { GatewayLimiter, LeasedRateStore, MemoryConcurrencyStore, MemoryRateStore, type LimiterConfig, type ModelEntry, type ModelLease, type RateStore } from '../../src/gateway/index.js';
import { GatewayMetrics } from '../../src/observe/index.js';
import { FakeClock } from '../helpers/fake-clock.js';

// GatewayLimiter on the in-memory stores with a fake clock: what depends on time (refills, queue
// timeouts, the adaptive throttle's spacing and recovery) is driven by advancing the clock.

/** A fake clock that tells the test when someone goes to sleep, so time is advanced only then. */
class SignallingClock extends FakeClock {
  #onSleep: (() => void)[] = [];
  override sleep(ms: number): Promise<void> {
    const p = super.sleep(ms);
    for (const notify of this.#onSleep.splice(0)) notify();
    return p;
  }
  nextSleep(): Promise<void> {
    return new Promise((resolve) => this.#onSleep.push(resolve));
  }
}

function setup(cfg: Partial<LimiterConfig>) {
  const clock = new SignallingClock();
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  const limiter = new GatewayLimiter(
    { tenants: {}, queue: { maxWaitMs: 5000, maxQueue: 10 }, models: {}, leaseMs: 60_000, ...cfg },
    new MemoryRateStore(),
    new MemoryConcurrencyStore(),
    clock,
    metrics,
  );
  const metric = async (series: string): Promise<number | undefined> => {
    const line = (await metrics.render()).body.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  return { clock, metrics, limiter, metric };
}

const entry = (alias: string): ModelEntry => ({ alias }) as ModelEntry;
const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 });

async function refusal(p: Promise<unknown>): Promise<StrataError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StrataError);
  return e as StrataError;
}

describe('GatewayLimiter: adaptive throttle', () => {
  const remote = { m: { provider: 'openai', limits: { adaptive: true } } };

  it('a throttle lowers the rate; successes over time raise it until it is lifted (gauge back to 0)', async () => {
    const { clock, limiter, metric } = setup({ models: remote });
    expect(await metric('strata_adaptive_rate_rpm{model="m"}')).toBe(0);
    (await limiter.admitModel(entry('m'), 10, undefined))!.done({ throttled: true });
    const lowered = limiter.adaptiveRateRpm('m')!;
    expect(lowered).toBeGreaterThan(0);
    expect(lowered).toBeLessThanOrEqual(30);
    expect(await metric('strata_adaptive_rate_rpm{model="m"}')).toBe(lowered);
    expect(await metric('strata_adaptive_decreases_total{model="m"}')).toBe(1);

    const seen: (number | undefined)[] = [];
    for (let i = 0; i < 30 && limiter.adaptiveRateRpm('m') !== undefined; i++) {
      // one request per interval of the lowered rate: admitted without waiting
      clock.advance(60_000 / lowered);
      (await limiter.admitModel(entry('m'), 10, undefined))!.done({ usage: usage(10, 5) });
      seen.push(limiter.adaptiveRateRpm('m'));
    }
    expect(seen.at(-1)).toBeUndefined();
    const rising = seen.slice(0, -1) as number[];
    expect(rising.length).toBeGreaterThan(1);
    rising.forEach((r, i) => expect(r).toBeGreaterThan(i === 0 ? lowered : rising[i - 1]!));
    expect(await metric('strata_adaptive_rate_rpm{model="m"}')).toBe(0);
    expect(await metric('strata_adaptive_decreases_total{model="m"}')).toBe(1);
  });

  it('while lowered, calls are spaced out: the next one waits for its turn', async () => {
    const { clock, limiter } = setup({ models: remote });
    (await limiter.admitModel(entry('m'), 10, undefined))!.done({ throttled: true });
    const interval = 60_000 / limiter.adaptiveRateRpm('m')!;
    (await limiter.admitModel(entry('m'), 10, undefined))!.done({ usage: usage(10, 5) });
    let admitted = false;
    const slept = clock.nextSleep();
    const next = limiter.admitModel(entry('m'), 10, undefined).then((l) => {
      admitted = true;
      return l;
    });
    await slept;
    clock.advance(interval - 1);
    await Promise.resolve();
    expect(admitted).toBe(false);
    clock.advance(1);
    expect(await next).toBeDefined();
  });

  it('a wait longer than maxWaitMs is refused with fallbackAllowed, so the chain moves on', async () => {
    const { limiter, metric } = setup({ models: remote, queue: { maxWaitMs: 100, maxQueue: 10 } });
    (await limiter.admitModel(entry('m'), 10, undefined))!.done({ throttled: true });
    (await limiter.admitModel(entry('m'), 10, undefined))!.done({ usage: usage(10, 5) });
    const e = await refusal(limiter.admitModel(entry('m'), 10, undefined));
    expect(e.code).toBe('rate_limited');
    expect(e.fallbackAllowed).toBe(true);
    expect(e.message).toMatch(/Model 'm' is throttling/);
    expect(await metric('strata_rate_limited_total{scope="model",limit="adaptive"}')).toBe(1);
  });

  it('throttles answered together count as one decrease (cooldown)', async () => {
    const { limiter, metric } = setup({ models: remote });
    const leases = await Promise.all([1, 2, 3].map(() => limiter.admitModel(entry('m'), 10, undefined)));
    for (const l of leases) l!.done({ throttled: true });
    expect(await metric('strata_adaptive_decreases_total{model="m"}')).toBe(1);
  });

  it('local models and models with adaptive: false have no throttle', async () => {
    const { limiter } = setup({ models: { l: { provider: 'local' }, off: { provider: 'openai', limits: { adaptive: false } } } });
    expect(limiter.hasModelGates).toBe(false);
    expect(await limiter.admitModel(entry('l'), 10, undefined)).toBeUndefined();
    expect(limiter.adaptiveRateRpm('off')).toBeUndefined();
  });
});

describe('GatewayLimiter: concurrency and the admission queue', () => {
  const capped = { c: { provider: 'local', limits: { concurrency: 1, adaptive: true } } };

  it('admitModelNow admits at once only when nothing has to wait, and then takes nothing', async () => {
    const models = { c: { provider: 'local', limits: { concurrency: 1, rpm: 2, adaptive: true } }, m: { provider: 'openai', limits: { adaptive: true } } };
    const { clock, limiter } = setup({ models });
    expect(limiter.admitModelNow(entry('ungated'), 1, undefined)).toEqual({ lease: undefined });
    const first = limiter.admitModelNow(entry('c'), 1, undefined)!.lease!;
    // the one slot is held: not at once, and admitModel queues for it
    expect(limiter.admitModelNow(entry('c'), 1, undefined)).toBeUndefined();
    const queued = limiter.admitModel(entry('c'), 1, undefined);
    first.done({ usage: usage(1, 1) });
    const second = (await queued)!;
    second.done({ usage: usage(1, 1) });
    // rpm 2 is spent: not at once (nothing taken, the slot given back), and admitModel refuses as before
    expect(limiter.admitModelNow(entry('c'), 1, undefined)).toBeUndefined();
    expect((await refusal(limiter.admitModel(entry('c'), 1, undefined))).message).toContain("model 'c' requests/minute (2)");
    clock.advance(30_000);
    limiter.admitModelNow(entry('c'), 1, undefined)!.lease!.done({});
    // a throttled model whose spacing has not passed: not at once, and no send is counted
    limiter.admitModelNow(entry('m'), 1, undefined)!.lease!.done({ throttled: true });
    limiter.admitModelNow(entry('m'), 1, undefined)!.lease!.done({ usage: usage(1, 1) }); // the first send at the lowered rate
    expect(limiter.admitModelNow(entry('m'), 1, undefined)).toBeUndefined();
    clock.advance(60_000 / limiter.adaptiveRateRpm('m')!);
    expect(limiter.admitModelNow(entry('m'), 1, undefined)).toBeDefined();
  });

  it('admitModelNow never passes callers queued for a slot', async () => {
    const { limiter } = setup({ models: capped });
    const held = (await limiter.admitModel(entry('c'), 1, undefined))!;
    const waiting = limiter.admitModel(entry('c'), 1, undefined);
    held.done({});
    // the slot is free for a moment, but it is the queued caller's
    expect(limiter.admitModelNow(entry('c'), 1, undefined)).toBeUndefined();
    (await waiting)!.done({});
    expect(limiter.admitModelNow(entry('c'), 1, undefined)?.lease).toBeDefined();
  });

  it('serves waiting calls in FIFO order as slots come back', async () => {
    const { limiter } = setup({ models: capped });
    let lease = (await limiter.admitModel(entry('c'), 1, undefined))!;
    const order: number[] = [];
    let onAdmit: (l: ModelLease) => void = () => undefined;
    for (const i of [1, 2, 3, 4]) {
      void limiter.admitModel(entry('c'), 1, undefined).then((l) => {
        order.push(i);
        onAdmit(l!);
      });
    }
    for (let i = 0; i < 4; i++) {
      const admitted = new Promise<ModelLease>((resolve) => (onAdmit = resolve));
      lease.done({ usage: usage(1, 1) });
      lease = await admitted;
    }
    lease.done({});
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('a waiter past maxWaitMs gets rate_limited with fallbackAllowed; the slot is not leaked', async () => {
    const { clock, limiter, metric } = setup({ models: capped, queue: { maxWaitMs: 1000, maxQueue: 10 } });
    const first = (await limiter.admitModel(entry('c'), 1, undefined))!;
    const slept = clock.nextSleep();
    const late = refusal(limiter.admitModel(entry('c'), 1, undefined));
    await slept;
    clock.advance(1000);
    const e = await late;
    expect(e.code).toBe('rate_limited');
    expect(e.fallbackAllowed).toBe(true);
    expect(e.retryAfterMs).toBeGreaterThan(0);
    expect(e.message).toContain("model 'c' concurrency (1)");
    expect(await metric('strata_rate_limited_total{scope="model",limit="concurrency"}')).toBe(1);
    first.done({});
    (await limiter.admitModel(entry('c'), 1, undefined))!.done({});
  });

  it('a caller that goes away while queued leaves the queue; later callers are served', async () => {
    const { limiter } = setup({ models: capped });
    const first = (await limiter.admitModel(entry('c'), 1, undefined))!;
    const ac = new AbortController();
    const gone = limiter.admitModel(entry('c'), 1, ac.signal).then(
      () => 'admitted',
      () => 'aborted',
    );
    const after = limiter.admitModel(entry('c'), 1, undefined);
    ac.abort();
    expect(await gone).toBe('aborted');
    first.done({});
    const lease = await after;
    expect(lease).toBeDefined();
    lease!.done({});
  });

  it('done() is idempotent: a second call does not free a slot someone else holds', async () => {
    const { limiter } = setup({ models: capped, queue: { maxWaitMs: 0, maxQueue: 0 } });
    const a = (await limiter.admitModel(entry('c'), 1, undefined))!;
    a.done({});
    const b = (await limiter.admitModel(entry('c'), 1, undefined))!;
    a.done({});
    await Promise.resolve();
    expect((await refusal(limiter.admitModel(entry('c'), 1, undefined))).code).toBe('rate_limited');
    b.done({});
  });
});

describe('GatewayLimiter: rates and token reconciliation', () => {
  it('model rpm: a wait that fits in maxWaitMs is waited out instead of refused', async () => {
    const { clock, limiter } = setup({ models: { r: { provider: 'local', limits: { rpm: 2, adaptive: true } } }, queue: { maxWaitMs: 60_000, maxQueue: 10 } });
    (await limiter.admitModel(entry('r'), 1, undefined))!.done({});
    (await limiter.admitModel(entry('r'), 1, undefined))!.done({});
    const slept = clock.nextSleep();
    const third = limiter.admitModel(entry('r'), 1, undefined);
    await slept;
    clock.advance(30_000);
    expect(await third).toBeDefined();
  });

  it('model rpm: a wait beyond maxWaitMs is refused with fallbackAllowed', async () => {
    const { limiter } = setup({ models: { r: { provider: 'local', limits: { rpm: 1, adaptive: true } } } });
    (await limiter.admitModel(entry('r'), 1, undefined))!.done({});
    const e = await refusal(limiter.admitModel(entry('r'), 1, undefined));
    expect(e.fallbackAllowed).toBe(true);
    expect(e.status).toBe(429);
    expect(e.message).toContain("model 'r' requests/minute (1)");
  });

  it("the tenant's tpm is settled with the real tokens: output beyond the estimate is owed", async () => {
    const { clock, limiter } = setup({ tenants: { t: { tpm: 100 } } });
    const settle = await limiter.admitRequest('t', undefined, 10);
    settle(110); // 10 in + 100 out: the bucket is 10 tokens in debt
    const e = await refusal(limiter.admitRequest('t', undefined, 10));
    expect(e).toMatchObject({ code: 'rate_limited', status: 429, fallbackAllowed: false });
    expect(e.message).toContain("tenant 't' tokens/minute (100)");
    // 20 tokens (the debt and the request) at 100/minute
    expect(e.retryAfterMs).toBe(12_000);
    clock.advance(12_000);
    await limiter.admitRequest('t', undefined, 10);
  });

  it('admitRequestNow answers in-process limits at once, with the same buckets and refusals as admitRequest', async () => {
    const { limiter } = setup({ tenants: { t: { rpm: 2 } }, keys: { tpm: 100 } });
    const first = limiter.admitRequestNow('t', 'k1', 10);
    expect(first).toBeTypeOf('function');
    await limiter.admitRequest('t', 'k1', 10);
    let thrown: unknown;
    try {
      limiter.admitRequestNow('t', 'k1', 10);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'rate_limited', status: 429 });
    expect((thrown as Error).message).toContain("tenant 't' requests/minute (2)");
    expect(() => limiter.admitRequestNow('other', 'k2', 500)).toThrow(/more than the whole API key k2 tokens\/minute \(100\) allows/);
  });

  it('counts input tokens (runs the tokenizer) only when a tenant or key limit is per token', async () => {
    let counted = 0;
    const estimate = (): number => (counted++, 10);
    const rpmOnly = setup({ tenants: { t: { rpm: 5 } }, keys: { rpm: 5 } }).limiter;
    rpmOnly.admitRequestNow('t', 'k1', estimate)!(500);
    await rpmOnly.admitRequest('t', 'k1', estimate);
    expect(counted).toBe(0);
    const keyTpm = setup({ tenants: { t: { rpm: 5 } }, keys: { tpm: 25 } }).limiter;
    keyTpm.admitRequestNow('t', 'k1', estimate)!(10);
    expect(counted).toBe(1);
    // without a key, only the tenant's limits count: rpm only, no tokenizer
    keyTpm.admitRequestNow('t', undefined, estimate)!(10);
    expect(counted).toBe(1);
    // the estimate is what the tpm bucket took: after the first 10, one more request of 10 fits in 25, a third does not
    keyTpm.admitRequestNow('other', 'k1', estimate);
    expect(() => keyTpm.admitRequestNow('other', 'k1', estimate)).toThrow(/API key k1 tokens\/minute \(25\)/);
    expect(counted).toBe(3);
  });

  it('admitRequestNow leaves a shared store it cannot answer alone to admitRequest, taking nothing', async () => {
    const shared = new MemoryRateStore();
    let sharedTakes = 0;
    const counting: RateStore = { take: (b, now) => (sharedTakes++, shared.take(b, now)), charge: (c, now) => shared.charge(c, now) };
    const leased = new LeasedRateStore(counting, { fraction: 0.1 });
    const limiter = new GatewayLimiter({ tenants: { t: { rpm: 100 } }, queue: { maxWaitMs: 0, maxQueue: 0 }, models: {}, leaseMs: 60_000 }, leased, new MemoryConcurrencyStore(), { now: () => 0, sleep: () => Promise.resolve() });
    expect(limiter.admitRequestNow('t', undefined, 1)).toBeUndefined();
    expect(leased.held('t:t:rpm')).toBe(0);
    await limiter.admitRequest('t', undefined, 1);
    expect(sharedTakes).toBe(1);
    // the fetch brought a share (10): the next requests are answered from it at once
    for (let i = 0; i < 10; i++) expect(limiter.admitRequestNow('t', undefined, 1)).toBeTypeOf('function');
    expect(limiter.admitRequestNow('t', undefined, 1)).toBeUndefined();
    expect(sharedTakes).toBe(1);
    await leased.close();
  });

  it('a request that produced no tokens (failed upstream) gets its estimate back', async () => {
    const { limiter } = setup({ tenants: { t: { tpm: 100 } } });
    (await limiter.admitRequest('t', 'k1', 80))(0);
    (await limiter.admitRequest('t', 'k1', 80))(80);
    expect((await refusal(limiter.admitRequest('t', 'k1', 80))).code).toBe('rate_limited');
  });

  it("a model's tpm is settled from the lease's usage", async () => {
    const { limiter } = setup({ models: { r: { provider: 'local', limits: { tpm: 100, adaptive: true } } } });
    (await limiter.admitModel(entry('r'), 10, undefined))!.done({ usage: usage(10, 95) });
    const e = await refusal(limiter.admitModel(entry('r'), 10, undefined));
    expect(e.message).toContain("model 'r' tokens/minute (100)");
    expect(e.fallbackAllowed).toBe(true);
  });

  it("tenant '*' also limits a tenant named like an Object.prototype property ('constructor')", async () => {
    const { limiter } = setup({ tenants: { '*': { rpm: 1 } } });
    await limiter.admitRequest('constructor', undefined, 1);
    const e = await refusal(limiter.admitRequest('constructor', undefined, 1));
    expect(e.message).toContain("tenant 'constructor' requests/minute (1)");
  });

  it('estimates above the whole tpm are impossible (400) at the tenant and at the model', async () => {
    const { limiter } = setup({ tenants: { '*': { tpm: 50 } }, models: { r: { provider: 'local', limits: { tpm: 50, adaptive: true } } } });
    const t = await refusal(limiter.admitRequest('anyone', undefined, 51));
    expect(t).toMatchObject({ status: 400, fallbackAllowed: false });
    expect(t.message).toContain('can never be admitted');
    const m = await refusal(limiter.admitModel(entry('r'), 51, undefined));
    expect(m).toMatchObject({ status: 400, fallbackAllowed: true });
  });
});
