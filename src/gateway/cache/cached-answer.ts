import { isRecord, type ChatResult, type FinishReason } from '../../core/index.js';

/** What a cache hit replays: the answer and who produced it. */
export interface CachedAnswer {
  result: ChatResult;
  /** alias of the model that answered */
  model: string;
  provider: string;
  providerModelId: string;
  /** epoch ms when the answer was stored */
  storedAt: number;
  /** the keyed hash of the answer's output, so a hit's record needs no hashing (absent in older entries) */
  outputHash?: string;
}

const FINISH_REASONS: ReadonlySet<string> = new Set<FinishReason>(['stop', 'length', 'tool_calls', 'content_filter']);

/** JSON form shared by both stores, so an entry is byte-for-byte the same wherever it lives. */
export function serialiseCachedAnswer(answer: CachedAnswer): string {
  return JSON.stringify(answer);
}

/**
 * A copy that shares nothing mutable with the original (the in-process store hands out and keeps copies, so
 * a caller changing its answer cannot change what the cache replays). About a tenth of a JSON round trip.
 */
export function copyCachedAnswer(a: CachedAnswer): CachedAnswer {
  const r = a.result;
  return { ...a, result: { ...r, toolCalls: r.toolCalls.map((c) => ({ ...c })), usage: { ...r.usage } } };
}

/**
 * Parses a stored entry, or undefined when it is not a cached answer. A shared Redis can hold
 * entries written by another version or damaged by hand; replaying one must not crash a request.
 */
export function parseCachedAnswer(json: string): CachedAnswer | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  return isCachedAnswer(v) ? v : undefined;
}

function isCachedAnswer(v: unknown): v is CachedAnswer {
  if (!isRecord(v)) return false;
  if (typeof v.model !== 'string' || typeof v.provider !== 'string' || typeof v.providerModelId !== 'string') return false;
  if (typeof v.storedAt !== 'number') return false;
  if (v.outputHash !== undefined && typeof v.outputHash !== 'string') return false;
  const r = v.result;
  if (!isRecord(r)) return false;
  if (typeof r.text !== 'string' || typeof r.modelId !== 'string') return false;
  if (typeof r.finishReason !== 'string' || !FINISH_REASONS.has(r.finishReason)) return false;
  if (!Array.isArray(r.toolCalls) || !r.toolCalls.every(isToolCall)) return false;
  const u = r.usage;
  return (
    isRecord(u) &&
    typeof u.inputTokens === 'number' &&
    typeof u.outputTokens === 'number' &&
    typeof u.cacheReadTokens === 'number' &&
    typeof u.cacheWriteTokens === 'number'
  );
}

function isToolCall(v: unknown): boolean {
  return isRecord(v) && typeof v.id === 'string' && typeof v.name === 'string' && typeof v.arguments === 'string';
}
