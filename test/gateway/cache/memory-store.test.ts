import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/core/index.js';
import { MemoryResponseCache, type CachedAnswer } from '../../../src/gateway/cache/index.js';
import { entryBytes as accountedBytes } from '../../../src/gateway/cache/memory-store.js';

const T0 = 1_700_000_000_000;

function answer(text: string): CachedAnswer {
  return {
    result: {
      text,
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 },
      modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
    },
    model: 'haiku',
    provider: 'bedrock',
    providerModelId: 'anthropic.claude-3-haiku-20240307-v1:0',
    storedAt: T0,
  };
}

/** Bytes one entry of this shape takes, measured through the cache itself. */
async function entryBytes(key: string, value: CachedAnswer): Promise<number> {
  const probe = new MemoryResponseCache({ maxBytes: 1_000_000 });
  await probe.set(key, value, 60_000, T0);
  return probe.bytes;
}

describe('MemoryResponseCache', () => {
  it('returns what was stored, and misses on unknown keys', async () => {
    const cache = new MemoryResponseCache({ maxBytes: 100_000 });
    expect(cache.kind).toBe('memory');
    await cache.set('k1', answer('Paris is the capital of France.'), 60_000, T0);
    expect(await cache.get('k1', T0 + 1)).toEqual(answer('Paris is the capital of France.'));
    expect(await cache.get('k2', T0 + 1)).toBeUndefined();
  });

  it('hands out copies: a caller mutating a hit does not change the cache', async () => {
    const cache = new MemoryResponseCache({ maxBytes: 100_000 });
    await cache.set('k', answer('original'), 60_000, T0);
    const hit = await cache.get('k', T0);
    hit!.result.text = 'mutated';
    hit!.result.usage.outputTokens = 999;
    hit!.result.toolCalls.push({ id: 'x', name: 'y', arguments: '{}' });
    expect((await cache.get('k', T0))!.result).toMatchObject({ text: 'original', toolCalls: [] });
    expect((await cache.get('k', T0))!.result.usage.outputTokens).not.toBe(999);
  });

  it('keeps its own copy: the caller changing the answer it stored does not change the cache', async () => {
    const cache = new MemoryResponseCache({ maxBytes: 100_000 });
    const stored = answer('original');
    await cache.set('k', stored, 60_000, T0);
    stored.result.text = 'changed after storing';
    stored.result.toolCalls.push({ id: 'x', name: 'y', arguments: '{}' });
    expect((await cache.get('k', T0))!.result).toMatchObject({ text: 'original', toolCalls: [] });
  });

  it('expires entries after their TTL and drops them', async () => {
    const cache = new MemoryResponseCache({ maxBytes: 100_000 });
    await cache.set('k', answer('short lived'), 1_000, T0);
    expect(await cache.get('k', T0 + 999)).toBeDefined();
    expect(await cache.get('k', T0 + 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('does not store with a TTL of zero or less', async () => {
    const cache = new MemoryResponseCache({ maxBytes: 100_000 });
    await cache.set('k', answer('x'), 0, T0);
    await cache.set('j', answer('x'), -5, T0);
    expect(cache.size).toBe(0);
  });

  it('counts an entry as its texts in UTF-8 plus a fixed allowance, at least its JSON size for ordinary text', async () => {
    const value = answer('héllo wörld — ✓');
    const bytes = await entryBytes('kéy', value);
    expect(bytes).toBe(accountedBytes('kéy', value));
    expect(bytes - accountedBytes('kéy', answer(''))).toBe(Buffer.byteLength('héllo wörld — ✓'));
    for (const text of ['', 'short', 'a longer answer with "quotes" and a line\nbreak', 'ü'.repeat(5000)]) {
      const a = answer(text);
      expect(accountedBytes('k', a)).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(a)) + 1);
    }
  });

  it('evicts the least recently used entry when over maxBytes; a get refreshes recency', async () => {
    const one = await entryBytes('key-a', answer('answer a'));
    // room for exactly four entries of this size
    const cache = new MemoryResponseCache({ maxBytes: one * 4 + one / 2 });
    for (const id of ['a', 'b', 'c', 'd']) await cache.set(`key-${id}`, answer(`answer ${id}`), 60_000, T0);
    expect(cache.size).toBe(4);

    expect(await cache.get('key-a', T0 + 1)).toBeDefined(); // a is now the most recent; b the least
    await cache.set('key-e', answer('answer e'), 60_000, T0 + 2);

    expect(await cache.get('key-b', T0 + 3)).toBeUndefined();
    for (const id of ['a', 'c', 'd', 'e']) expect(await cache.get(`key-${id}`, T0 + 3)).toBeDefined();
    expect(cache.size).toBe(4);
    expect(cache.bytes).toBe(one * 4);
  });

  it('keeps bytes within maxBytes under many writes of varied sizes, and accounts replacements', async () => {
    const maxBytes = 20_000;
    const cache = new MemoryResponseCache({ maxBytes });
    for (let i = 0; i < 500; i++) {
      await cache.set(`key-${i % 97}`, answer('word '.repeat(i % 300)), 60_000, T0 + i);
      expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
    }
    // the accounting matches the entries actually held
    let held = 0;
    for (let k = 0; k < 97; k++) {
      const hit = await cache.get(`key-${k}`, T0 + 1_000);
      if (hit !== undefined) held += accountedBytes(`key-${k}`, hit);
    }
    expect(cache.bytes).toBe(held);
  });

  it('skips an entry larger than a quarter of maxBytes without evicting anything', async () => {
    const cache = new MemoryResponseCache({ maxBytes: 4_000 });
    await cache.set('small', answer('fits'), 60_000, T0);
    const before = cache.bytes;
    await cache.set('huge', answer('x'.repeat(1_200)), 60_000, T0);
    expect(await cache.get('huge', T0)).toBeUndefined();
    expect(await cache.get('small', T0)).toBeDefined();
    expect(cache.bytes).toBe(before);
  });

  it('rejects a maxBytes that is not a positive number', () => {
    expect(() => new MemoryResponseCache({ maxBytes: 0 })).toThrow(StrataError);
    expect(() => new MemoryResponseCache({ maxBytes: Number.NaN })).toThrow(StrataError);
  });
});

describe('MemoryResponseCache against a reference LRU', () => {
  it('evicts exactly what a plain least-recently-used list would, over thousands of mixed operations', async () => {
    // every entry has the same size, so the bound is a count: a list reference model is easy to trust
    const sizeOf = (k: string): number => Buffer.byteLength(JSON.stringify(answer(`v-${k}`)));
    const probe = new MemoryResponseCache({ maxBytes: 1_000_000 });
    await probe.set('k0000', answer('v-k0000'), 60_000, T0);
    const entryBytes = probe.bytes;
    expect(entryBytes).toBeGreaterThan(sizeOf('k0000'));
    const capacity = 50;
    const cache = new MemoryResponseCache({ maxBytes: entryBytes * capacity });
    const reference: string[] = []; // least recently used first
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let op = 0; op < 5000; op++) {
      const k = `k${String(next() % 120).padStart(4, '0')}`;
      if (next() % 3 === 0) {
        await cache.set(k, answer(`v-${k}`), 60_000, T0);
        const i = reference.indexOf(k);
        if (i >= 0) reference.splice(i, 1);
        reference.push(k);
        if (reference.length > capacity) reference.shift();
      } else {
        const got = await cache.get(k, T0);
        const i = reference.indexOf(k);
        expect(got?.result.text ?? null).toBe(i >= 0 ? `v-${k}` : null);
        if (i >= 0) reference.push(...reference.splice(i, 1));
      }
      expect(cache.size).toBe(reference.length);
    }
    expect(cache.bytes).toBe(entryBytes * reference.length);
  });
});
