import type { InvocationRecord } from '../../src/core/index.js';

let seq = 0;

/** A complete invocation record; override what the test cares about. */
export function makeRecord(over: Partial<InvocationRecord> = {}): InvocationRecord {
  seq++;
  return {
    id: `inv_test${String(seq).padStart(8, '0')}${Math.random().toString(36).slice(2, 10)}`,
    ts: 1_764_000_000_000 + seq,
    tenant: 'acme',
    route: 'support',
    modelRequested: 'support',
    modelAnswered: 'sonnet',
    providerModelId: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
    attempts: 1,
    fallbacks: 0,
    status: 'ok',
    errorCode: null,
    httpStatus: 200,
    stream: false,
    inputTokens: 120,
    outputTokens: 48,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    latencyMs: 812.5,
    ttftMs: null,
    promptHash: 'a'.repeat(64),
    outputHash: 'b'.repeat(64),
    finishReason: 'stop',
    tags: {},
    costUsd: 0.00108,
    keyId: null,
    cache: null,
    downgradedBy: null,
    prompt: null,
    experiment: null,
    arm: null,
    ...over,
  };
}
