import { emptyUsage, type ChatChunk, type ChatResult, type FinishReason } from '../core/index.js';
import type { ChatContext } from './pipeline.js';
import type { InvocationMeta } from './types.js';

/** Fixed chunks as an async stream, like an upstream's (cache replays, answers made without a model). */
export function chunkStream(chunks: ChatChunk[]): AsyncIterable<ChatChunk> {
  return {
    [Symbol.asyncIterator]: () => {
      let i = 0;
      return { next: () => Promise.resolve(i < chunks.length ? { done: false, value: chunks[i++]! } : { done: true, value: undefined }) };
    },
  };
}

/**
 * Answers a request without calling a model — a guardrail block, "no relevant information" — as if the
 * route's first model had: attempts 0, no tokens, cost 0, streamed when the caller asked for a stream.
 */
export function answerWithoutModel(ctx: ChatContext, text: string, finishReason: FinishReason, meta: Partial<InvocationMeta> = {}): void {
  const entry = ctx.chain![0]!;
  ctx.progress.lastModel = entry;
  ctx.meta = {
    invocationId: ctx.invocationId,
    route: ctx.plan!.name,
    model: entry.alias,
    provider: entry.provider,
    providerModelId: entry.providerModelId,
    attempts: 0,
    fallbacks: 0,
    cache: 'bypass',
    ...meta,
  };
  const result: ChatResult = { text, toolCalls: [], finishReason, usage: emptyUsage(), modelId: entry.providerModelId };
  if (ctx.streaming) ctx.stream = chunkStream([{ type: 'text', text }, { type: 'finish', finishReason, usage: result.usage }]);
  else ctx.result = result;
}
