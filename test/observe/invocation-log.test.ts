import { describe, expect, it, vi } from 'vitest';
import { newId, type InvocationRecord } from '../../src/core/index.js';
import { createLogger, flushInvocationLog, logInvocation } from '../../src/observe/index.js';

const rec: InvocationRecord = {
  id: newId('inv'), ts: 1_700_000_000_000, tenant: 'acme', route: 'support "eu"', modelRequested: 'support', modelAnswered: null,
  providerModelId: null, attempts: 2, fallbacks: 1, status: 'error', errorCode: 'upstream_throttled', httpStatus: 429, stream: true,
  inputTokens: 10, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, latencyMs: 12.5, ttftMs: null,
  promptHash: 'a'.repeat(64), outputHash: null, finishReason: null, tags: { feature: 'chat', segment: 'pro' }, costUsd: 1.5e-7,
  keyId: 'k0123456789abcdef', cache: 'miss', downgradedBy: null, prompt: 'support/answer@3', experiment: null, arm: null,
};

describe('invocation log line', () => {
  it('is one valid JSON line in pino format carrying exactly the record', () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (s: string) => void lines.push(s) } });
    logInvocation(logger, rec);
    flushInvocationLog(logger);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(parsed).toMatchObject({ level: 'info', service: 'strata', msg: 'invocation' });
    const { level: _l, time, service: _s, msg: _m, ...fields } = parsed;
    expect(typeof time).toBe('number');
    expect(fields).toEqual(rec);
  });

  it('respects the log level', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (s: string) => void lines.push(s) } });
    logInvocation(logger, rec);
    flushInvocationLog(logger);
    expect(lines).toHaveLength(0);
  });

  it('batches the lines of 100 ms into one write', () => {
    vi.useFakeTimers();
    try {
      const writes: string[] = [];
      const logger = createLogger({ destination: { write: (s: string) => void writes.push(s) } });
      for (let i = 0; i < 5; i++) logInvocation(logger, { ...rec, attempts: i });
      vi.advanceTimersByTime(99);
      expect(writes).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(writes).toHaveLength(1);
      const lines = writes[0]!.trimEnd().split('\n').map((l) => JSON.parse(l) as { attempts: number });
      expect(lines.map((l) => l.attempts)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes a batch at once when it reaches 60 KB, and what follows with the next batch', () => {
    vi.useFakeTimers();
    try {
      const writes: string[] = [];
      const logger = createLogger({ destination: { write: (s: string) => void writes.push(s) } });
      let n = 0;
      while (writes.length === 0) logInvocation(logger, { ...rec, attempts: n++ });
      expect(writes[0]!.length).toBeGreaterThanOrEqual(61_440);
      logInvocation(logger, { ...rec, attempts: n++ });
      vi.advanceTimersByTime(100);
      expect(writes).toHaveLength(2);
      const attempts = writes.join('').trimEnd().split('\n').map((l) => (JSON.parse(l) as { attempts: number }).attempts);
      expect(attempts).toEqual(Array.from({ length: n }, (_, i) => i));
    } finally {
      vi.useRealTimers();
    }
  });
});
