import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/core/index.js';
import { SemanticCacheIndex } from '../../../src/gateway/cache/index.js';

const NOW = 1_700_000_000_000;
const LATER = NOW + 60_000;
const v = (...xs: number[]) => new Float32Array(xs);

describe('SemanticCacheIndex', () => {
  it('finds a near-duplicate prompt above the threshold and returns its exact-cache key', () => {
    const index = new SemanticCacheIndex({ threshold: 0.95, maxEntries: 100 });
    index.add('acme', 'support', v(1, 0, 0), 'key-refund', LATER);
    const hit = index.lookup('acme', 'support', v(0.99, 0.05, 0), NOW);
    expect(hit?.key).toBe('key-refund');
    expect(hit!.similarity).toBeGreaterThan(0.95);
    expect(hit!.similarity).toBeLessThanOrEqual(1);
  });

  it('ignores magnitude: a scaled vector is the same direction', () => {
    const index = new SemanticCacheIndex({ threshold: 1, maxEntries: 10 });
    index.add('acme', 'support', v(0.3, 0.4, 0.5), 'k', LATER);
    expect(index.lookup('acme', 'support', v(3, 4, 5), NOW)?.key).toBe('k');
  });

  it('misses below the threshold', () => {
    const index = new SemanticCacheIndex({ threshold: 0.95, maxEntries: 100 });
    index.add('acme', 'support', v(1, 0, 0), 'key-refund', LATER);
    expect(index.lookup('acme', 'support', v(0.6, 0.8, 0), NOW)).toBeUndefined(); // cosine 0.6
    expect(index.lookup('acme', 'support', v(-1, 0, 0), NOW)).toBeUndefined();
  });

  it('returns the nearest of several candidates', () => {
    const index = new SemanticCacheIndex({ threshold: 0.8, maxEntries: 100 });
    index.add('acme', 'support', v(1, 0.2, 0), 'near', LATER);
    index.add('acme', 'support', v(1, 0.5, 0), 'further', LATER);
    index.add('acme', 'support', v(0, 1, 0), 'far', LATER);
    expect(index.lookup('acme', 'support', v(1, 0.15, 0), NOW)?.key).toBe('near');
  });

  it('never matches across tenants or routes', () => {
    const index = new SemanticCacheIndex({ threshold: 0.9, maxEntries: 100 });
    index.add('acme', 'support', v(1, 0, 0), 'acme-support', LATER);
    expect(index.lookup('globex', 'support', v(1, 0, 0), NOW)).toBeUndefined();
    expect(index.lookup('acme', 'sales', v(1, 0, 0), NOW)).toBeUndefined();
    // names that would collide if joined with a separator stay apart
    index.add('a:b', 'c', v(0, 1, 0), 'ab-c', LATER);
    expect(index.lookup('a', 'b:c', v(0, 1, 0), NOW)).toBeUndefined();
  });

  it('does not return an entry at or after its expiry, and drops it', () => {
    const index = new SemanticCacheIndex({ threshold: 0.9, maxEntries: 100 });
    index.add('acme', 'support', v(1, 0, 0), 'k', NOW + 1_000);
    expect(index.lookup('acme', 'support', v(1, 0, 0), NOW + 999)?.key).toBe('k');
    expect(index.lookup('acme', 'support', v(1, 0, 0), NOW + 1_000)).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('evicts the oldest entry beyond maxEntries, across tenants', () => {
    const index = new SemanticCacheIndex({ threshold: 0.99, maxEntries: 2 });
    index.add('acme', 'support', v(1, 0, 0), 'first', LATER);
    index.add('globex', 'support', v(0, 1, 0), 'second', LATER);
    index.add('acme', 'support', v(0, 0, 1), 'third', LATER);
    expect(index.size).toBe(2);
    expect(index.lookup('acme', 'support', v(1, 0, 0), NOW)).toBeUndefined();
    expect(index.lookup('globex', 'support', v(0, 1, 0), NOW)?.key).toBe('second');
    expect(index.lookup('acme', 'support', v(0, 0, 1), NOW)?.key).toBe('third');
  });

  it('replaces the entry when the same key is added again', () => {
    const index = new SemanticCacheIndex({ threshold: 0.99, maxEntries: 10 });
    index.add('acme', 'support', v(1, 0, 0), 'k', NOW + 10);
    index.add('acme', 'support', v(1, 0, 0), 'k', LATER);
    expect(index.size).toBe(1);
    expect(index.lookup('acme', 'support', v(1, 0, 0), NOW + 20)?.key).toBe('k');
  });

  it('ignores zero vectors and vectors of another dimension', () => {
    const index = new SemanticCacheIndex({ threshold: 0.5, maxEntries: 10 });
    index.add('acme', 'support', v(0, 0, 0), 'zero', LATER);
    expect(index.size).toBe(0);
    index.add('acme', 'support', v(1, 0, 0), 'k', LATER);
    expect(index.lookup('acme', 'support', v(1, 0, 0, 0), NOW)).toBeUndefined();
    expect(index.lookup('acme', 'support', v(0, 0, 0), NOW)).toBeUndefined();
  });

  it('rejects a threshold outside (0, 1] and a maxEntries below 1', () => {
    expect(() => new SemanticCacheIndex({ threshold: 0, maxEntries: 10 })).toThrow(StrataError);
    expect(() => new SemanticCacheIndex({ threshold: 1.5, maxEntries: 10 })).toThrow(StrataError);
    expect(() => new SemanticCacheIndex({ threshold: 0.9, maxEntries: 0 })).toThrow(StrataError);
  });
});
