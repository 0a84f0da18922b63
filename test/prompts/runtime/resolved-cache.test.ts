import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/core/index.js';
import { ResolvedPromptCache } from '../../../src/prompts/runtime/index.js';
import type { PromptVersion } from '../../../src/prompts/types.js';
import { FakeClock } from '../../helpers/fake-clock.js';

function version(name: string, v: number): PromptVersion {
  return {
    tenant: 't',
    name,
    version: v,
    hash: `h${v}`,
    content: { name, type: 'text', tags: [], variables: {}, model: {}, template: `v${v}` },
    message: null,
    createdAt: 0,
    createdBy: 'test',
  };
}

/** A loader whose answers the test controls: each call waits for resolve/reject of its own deferred. */
class ManualLoader {
  calls = 0;
  readonly #pending: { resolve: (v: PromptVersion) => void; reject: (e: unknown) => void }[] = [];
  readonly load = (): Promise<PromptVersion> => {
    this.calls++;
    return new Promise((resolve, reject) => this.#pending.push({ resolve, reject }));
  };
  resolve(v: PromptVersion): void {
    this.#pending.shift()!.resolve(v);
  }
  reject(e: unknown): void {
    this.#pending.shift()!.reject(e);
  }
  get waiting(): number {
    return this.#pending.length;
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const key = { tenant: 't', name: 'support/answer', label: 'production' };

describe('ResolvedPromptCache', () => {
  it('serves a label from the cache within the TTL and loads once for concurrent callers', async () => {
    const clock = new FakeClock();
    const cache = new ResolvedPromptCache({ ttlMs: 1000, clock });
    const loader = new ManualLoader();
    const a = cache.get(key, loader.load);
    const b = cache.get(key, loader.load);
    loader.resolve(version('support/answer', 1));
    expect((await a).version).toBe(1);
    expect((await b).version).toBe(1);
    clock.advance(999);
    expect((await cache.get(key, loader.load)).version).toBe(1);
    expect(loader.calls).toBe(1);
  });

  it('keys by label and version, never by name alone', async () => {
    const cache = new ResolvedPromptCache({ clock: new FakeClock() });
    await cache.get({ tenant: 't', name: 'p', label: 'production' }, () => Promise.resolve(version('p', 1)));
    const staging = await cache.get({ tenant: 't', name: 'p', label: 'staging' }, () => Promise.resolve(version('p', 2)));
    const pinned = await cache.get({ tenant: 't', name: 'p', version: 3 }, () => Promise.resolve(version('p', 3)));
    const otherTenant = await cache.get({ tenant: 'u', name: 'p', label: 'production' }, () => Promise.resolve(version('p', 4)));
    expect([staging.version, pinned.version, otherTenant.version]).toEqual([2, 3, 4]);
    const prod = await cache.get({ tenant: 't', name: 'p', label: 'production' }, () => Promise.reject(new Error('must be cached')));
    expect(prod.version).toBe(1);
  });

  it('serves stale while exactly one background refresh runs, then the refreshed version', async () => {
    const clock = new FakeClock();
    const cache = new ResolvedPromptCache({ ttlMs: 1000, maxStaleMs: 10_000, clock });
    await cache.get(key, () => Promise.resolve(version('support/answer', 1)));
    clock.advance(1500);
    const loader = new ManualLoader();
    expect((await cache.get(key, loader.load)).version).toBe(1);
    expect((await cache.get(key, loader.load)).version).toBe(1);
    expect(loader.calls).toBe(1);
    loader.resolve(version('support/answer', 2));
    await flush();
    expect((await cache.get(key, loader.load)).version).toBe(2);
    expect(cache.stats.staleHits).toBe(2);
  });

  it('keeps serving stale when refreshes fail, up to maxStaleMs, then asks in the foreground', async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const cache = new ResolvedPromptCache({ ttlMs: 1000, maxStaleMs: 5000, clock, onRefreshError: (e) => errors.push(e) });
    await cache.get(key, () => Promise.resolve(version('support/answer', 1)));
    clock.advance(2000);
    const down = (): Promise<PromptVersion> => Promise.reject(new Error('connection refused'));
    expect((await cache.get(key, down)).version).toBe(1);
    await flush();
    expect(errors).toHaveLength(1);
    clock.advance(3000); // 5 s old: still inside ttl + maxStale
    expect((await cache.get(key, down)).version).toBe(1);
    clock.advance(1500); // 6.5 s old: too stale to serve
    await expect(cache.get(key, down)).rejects.toThrow('connection refused');
    expect(cache.has(key)).toBe(false);
  });

  it('evicts a label whose refresh finds it removed instead of serving it forever', async () => {
    const clock = new FakeClock();
    const cache = new ResolvedPromptCache({ ttlMs: 1000, maxStaleMs: 60_000, clock });
    await cache.get(key, () => Promise.resolve(version('support/answer', 1)));
    clock.advance(1001);
    const gone = (): Promise<PromptVersion> => Promise.reject(new StrataError('not_found', "Prompt 'support/answer' has no label 'production'."));
    expect((await cache.get(key, gone)).version).toBe(1); // the one stale answer while the refresh runs
    await flush();
    expect(cache.has(key)).toBe(false);
    await expect(cache.get(key, gone)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('drops a label at once on invalidation and never writes back a load that started before it', async () => {
    const cache = new ResolvedPromptCache({ clock: new FakeClock() });
    await cache.get(key, () => Promise.resolve(version('support/answer', 1)));
    await cache.get({ ...key, label: 'staging' }, () => Promise.resolve(version('support/answer', 1)));
    cache.invalidate('t', 'support/answer', 'production');
    expect(cache.has(key)).toBe(false);
    expect(cache.has({ ...key, label: 'staging' })).toBe(true);

    const slow = new ManualLoader();
    const before = cache.get(key, slow.load);
    cache.invalidate('t', 'support/answer', 'production'); // the label moves while the old answer is on its way
    slow.resolve(version('support/answer', 1));
    expect((await before).version).toBe(1);
    expect(cache.has(key)).toBe(false);
    expect((await cache.get(key, () => Promise.resolve(version('support/answer', 2)))).version).toBe(2);
  });

  it('resync drops every label but keeps pinned versions, which cannot change', async () => {
    const clock = new FakeClock();
    const cache = new ResolvedPromptCache({ ttlMs: 1000, clock });
    await cache.get(key, () => Promise.resolve(version('support/answer', 1)));
    await cache.get({ tenant: 't', name: 'support/answer', version: 1 }, () => Promise.resolve(version('support/answer', 1)));
    cache.invalidateAllLabels();
    expect(cache.has(key)).toBe(false);
    clock.advance(60_000); // long past the label TTL: a version is still served from the cache
    const pinned = await cache.get({ tenant: 't', name: 'support/answer', version: 1 }, () => Promise.reject(new Error('must be cached')));
    expect(pinned.version).toBe(1);
  });

  it('bounds its size, dropping the least recently used', async () => {
    const cache = new ResolvedPromptCache({ maxEntries: 2, clock: new FakeClock() });
    for (const label of ['a', 'b']) await cache.get({ ...key, label }, () => Promise.resolve(version('support/answer', 1)));
    await cache.get({ ...key, label: 'a' }, () => Promise.reject(new Error('cached')));
    await cache.get({ ...key, label: 'c' }, () => Promise.resolve(version('support/answer', 1)));
    expect(cache.has({ ...key, label: 'a' })).toBe(true);
    expect(cache.has({ ...key, label: 'b' })).toBe(false);
    expect(cache.size).toBe(2);
  });
});
