import { describe, expect, it } from 'vitest';
import { LeasedRateStore, MemoryRateStore, type BucketCharge, type BucketSpec } from '../../../src/gateway/limits/index.js';

// Two LeasedRateStores over one MemoryRateStore stand for two replicas over one Redis.
const T0 = 1_900_000_000_000;
const rpm = (capacity: number, cost = 1): BucketSpec => ({ key: 't:acme:rpm', capacity, refillPerSec: capacity / 60, cost, label: `tenant 'acme' requests/minute (${capacity})` });

/** Counts the calls that reach the shared store. */
class CountingStore extends MemoryRateStore {
  takes = 0;
  charged: BucketCharge[] = [];
  override charge(...args: Parameters<MemoryRateStore['charge']>): ReturnType<MemoryRateStore['charge']> {
    this.charged.push(...args[0]);
    return super.charge(...args);
  }
  override take(...args: Parameters<MemoryRateStore['take']>): ReturnType<MemoryRateStore['take']> {
    this.takes++;
    return super.take(...args);
  }
}

describe('LeasedRateStore', () => {
  it('replicas together never hand out more than the shared bucket holds', async () => {
    const shared = new MemoryRateStore();
    const a = new LeasedRateStore(shared, { fraction: 0.05 });
    const b = new LeasedRateStore(shared, { fraction: 0.05 });
    let ok = 0;
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 1500; i++) {
      const replica = i % 3 === 0 ? b : a;
      calls.push(replica.take([rpm(1000)], T0).then((r) => void (r.ok && ok++)));
    }
    await Promise.all(calls);
    expect(ok).toBeLessThanOrEqual(1000);
    // what is not served is parked in allowances, at most one share (50) per replica plus rounding
    expect(ok).toBeGreaterThanOrEqual(1000 - 2 * 50);
  });

  it('serves most requests from the allowance: one shared call per share', async () => {
    const shared = new CountingStore();
    const a = new LeasedRateStore(shared, { fraction: 0.02 });
    for (let i = 0; i < 1000; i++) expect((await a.take([rpm(100_000)], T0)).ok).toBe(true);
    // 1 + share of 2000 per fetch: one fetch serves 2001 requests
    expect(shared.takes).toBe(1);
    expect(a.held('t:acme:rpm')).toBe(1001);
  });

  it('a small limit stays exact: no share below one token, one shared take per request', async () => {
    const shared = new CountingStore();
    const a = new LeasedRateStore(shared);
    const b = new LeasedRateStore(shared);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).take([rpm(20)], T0)));
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    expect(shared.takes).toBe(30);
    const refused = results.find((r) => !r.ok)!;
    expect(refused.failed?.label).toBe("tenant 'acme' requests/minute (20)");
    expect(refused.retryAfterMs).toBeGreaterThan(0);
  });

  it('falls back to the exact need when the shared bucket cannot give the extra share', async () => {
    const shared = new MemoryRateStore();
    const a = new LeasedRateStore(shared, { fraction: 0.5 });
    const b = new LeasedRateStore(shared, { fraction: 0.5 });
    expect((await a.take([rpm(10)], T0)).ok).toBe(true); // a holds 1 + 5 - 1 = 5, shared has 4
    expect((await b.take([rpm(10, 4)], T0)).ok).toBe(true); // b cannot get 4 + 5, gets exactly 4
    expect(b.held('t:acme:rpm')).toBe(0);
    expect((await b.take([rpm(10)], T0)).ok).toBe(false);
  });

  it('gives idle allowances back to the shared bucket', async () => {
    const shared = new MemoryRateStore();
    const a = new LeasedRateStore(shared, { fraction: 0.5, maxIdleMs: 1000 });
    const b = new LeasedRateStore(shared, { fraction: 0.5 });
    expect((await a.take([rpm(10)], T0)).ok).toBe(true); // a holds 5, shared 4
    expect((await b.take([rpm(10, 6)], T0)).ok).toBe(false);
    await a.returnIdle(T0 + 999);
    expect(a.held('t:acme:rpm')).toBe(5);
    await a.returnIdle(T0 + 1000);
    expect(a.held('t:acme:rpm')).toBe(0);
    expect((await b.take([rpm(10, 6)], T0 + 1000)).ok).toBe(true);
    await a.close();
    await b.close();
  });

  it('reports a cost above the capacity as impossible without asking the shared store', async () => {
    const shared = new CountingStore();
    const a = new LeasedRateStore(shared);
    const r = await a.take([rpm(10, 11)], T0);
    expect(r).toMatchObject({ ok: false, impossible: true, retryAfterMs: 0 });
    expect(shared.takes).toBe(0);
  });

  it('settles charges against the allowance first: only what it cannot cover reaches the shared bucket', async () => {
    const tpm = (cost: number): BucketSpec => ({ key: 't:acme:tpm', capacity: 10_000, refillPerSec: 10_000 / 60, cost, label: 'tpm' });
    const charge = (delta: number): BucketCharge => ({ key: 't:acme:tpm', capacity: 10_000, refillPerSec: 10_000 / 60, delta });
    const shared = new CountingStore();
    const a = new LeasedRateStore(shared, { fraction: 0.1 }); // share 1000
    expect((await a.take([tpm(100)], T0)).ok).toBe(true); // took 1100 from shared, holds 1000
    await a.charge([charge(300)], T0); // used more than estimated: from the allowance
    expect(a.held('t:acme:tpm')).toBe(700);
    expect(shared.charged).toEqual([]);
    await a.charge([charge(-200)], T0); // a refund is kept, up to one share
    expect(a.held('t:acme:tpm')).toBe(900);
    await a.charge([charge(-250)], T0);
    expect(a.held('t:acme:tpm')).toBe(1000);
    expect(shared.charged).toEqual([charge(-150)]);
    await a.charge([charge(1200)], T0); // beyond the allowance: the rest goes into the shared bucket's debt
    expect(a.held('t:acme:tpm')).toBe(0);
    expect(shared.charged).toEqual([charge(-150), charge(200)]);
    // every token is accounted for: shared gave 1100, got 150 back and 200 of debt; the replica holds none
    const b = new LeasedRateStore(shared, { fraction: 0 });
    expect((await b.take([tpm(10_000 - 1100 + 150 - 200)], T0)).ok).toBe(true);
    expect((await b.take([tpm(1)], T0)).ok).toBe(false);
  });

  it('a charge for a bucket it holds nothing of goes to the shared store as it is; bad charges are refused', async () => {
    const shared = new CountingStore();
    const a = new LeasedRateStore(shared);
    const c: BucketCharge = { key: 't:acme:tpm', capacity: 20, refillPerSec: 1, delta: 5 };
    await a.charge([c], T0);
    expect(shared.charged).toEqual([c]);
    // a small limit keeps no share: its refunds go straight back
    expect((await a.take([{ ...rpm(20), key: 't:acme:tpm' }], T0)).ok).toBe(true);
    await a.charge([{ ...c, delta: -1 }], T0);
    expect(shared.charged).toEqual([c, { ...c, delta: -1 }]);
    await expect(a.charge([{ ...c, delta: Number.NaN }], T0)).rejects.toThrow(/finite/);
    expect(a.held('t:acme:tpm')).toBe(0);
  });
});
