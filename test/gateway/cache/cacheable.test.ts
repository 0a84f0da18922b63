import { describe, expect, it } from 'vitest';
import { isCacheable } from '../../../src/gateway/cache/index.js';

describe('isCacheable', () => {
  it('deterministic mode caches only requests that set temperature to 0', () => {
    expect(isCacheable({ temperature: 0 }, 'deterministic')).toBe(true);
    expect(isCacheable({ temperature: 0, maxTokens: 100, tools: [] }, 'deterministic')).toBe(true);
    expect(isCacheable({}, 'deterministic')).toBe(false); // provider default is not 0
    expect(isCacheable({ temperature: 0.2 }, 'deterministic')).toBe(false);
    expect(isCacheable({ topP: 0 }, 'deterministic')).toBe(false);
  });

  it('force mode caches every request', () => {
    expect(isCacheable({}, 'force')).toBe(true);
    expect(isCacheable({ temperature: 1.2 }, 'force')).toBe(true);
    expect(isCacheable({ temperature: 0 }, 'force')).toBe(true);
  });
});
