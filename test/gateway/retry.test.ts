import { describe, expect, it } from 'vitest';
import { backoffDelayMs, nextDelayMs, parseRetryAfter } from '../../src/gateway/index.js';

const policy = { maxAttempts: 5, baseMs: 100, capMs: 1000 };

describe('backoff with full jitter', () => {
  it('draws uniformly below an exponential envelope capped at capMs', () => {
    expect(backoffDelayMs(1, policy, () => 0.999999)).toBe(99);
    expect(backoffDelayMs(2, policy, () => 0.999999)).toBe(199);
    expect(backoffDelayMs(3, policy, () => 0.999999)).toBe(399);
    expect(backoffDelayMs(5, policy, () => 0.999999)).toBe(999);
    expect(backoffDelayMs(9, policy, () => 0.999999)).toBe(999);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
  });

  it('never waits less than the upstream Retry-After', () => {
    expect(nextDelayMs(1, policy, 2500, () => 0.5)).toBe(2500);
    expect(nextDelayMs(4, policy, 10, () => 0.5)).toBe(400);
    expect(nextDelayMs(1, policy, undefined, () => 0.5)).toBe(50);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
  });
});
