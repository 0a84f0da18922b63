import { chunkStream } from './local-answer.js';
import { toStrataError, type ChatChunk, type ChatResult, type Clock, type FinishReason, type ToolCall } from '../core/index.js';
import type { GatewayMetrics, Logger } from '../observe/index.js';
import {
  SemanticCacheIndex,
  isCacheable,
  replayAsChunks,
  responseCacheKey,
  semanticCacheScope,
  semanticCacheText,
  type CachedAnswer,
  type ResponseCacheStore,
} from './cache/index.js';
import type { ModelCatalog } from './catalog.js';
import type { ChatContext, Next, Step } from './pipeline.js';
import type { ModelEntry, RoutePlan } from './types.js';

export interface CacheStepDeps {
  store: ResponseCacheStore;
  catalog: ModelCatalog;
  clock: Clock;
  logger: Logger;
  metrics?: GatewayMetrics;
  /** the record's keyed output hash of an answer: stored with it, so a hit's record reuses it */
  hashOutput?: (result: ChatResult) => string;
}

interface Lookup {
  key: string;
  semantic?: { index: SemanticCacheIndex; scope: string; vector: Float32Array };
}

/**
 * The response cache as a pipeline step, for routes that configure one. Keys cover tenant, route,
 * resolved model, messages and parameters; a hit answers without any upstream call (and without
 * spending rate limits or budget, which come later in the pipeline), a miss stores the answer once it
 * is complete. Streams are stored when they finish normally and replayed as streams.
 */
export function createCacheStep(deps: CacheStepDeps): Step {
  const semanticIndexes = new Map<string, SemanticCacheIndex>();
  const indexFor = (plan: RoutePlan): SemanticCacheIndex | undefined => {
    const s = plan.cache?.semantic;
    if (!s) return undefined;
    let index = semanticIndexes.get(plan.name);
    if (!index) {
      index = new SemanticCacheIndex({ threshold: s.threshold, maxEntries: s.maxEntries });
      semanticIndexes.set(plan.name, index);
    }
    return index;
  };

  const embed = async (plan: RoutePlan, text: string, signal: AbortSignal | undefined): Promise<Float32Array | undefined> => {
    const model = deps.catalog.model(plan.cache!.semantic!.embeddingModel)?.embedding;
    if (!model) return undefined;
    try {
      const out = await model.embed({ texts: [text], inputType: 'query', signal });
      return out.vectors[0];
    } catch (e) {
      // the semantic cache is an optimisation: a failing embedder means a miss, never a failed request
      deps.logger.warn({ code: toStrataError(e).code, route: plan.name }, 'semantic cache embedding failed; treating as a miss');
      return undefined;
    }
  };

  const answerFrom = (ctx: ChatContext, hit: CachedAnswer): void => {
    const entry: ModelEntry = deps.catalog.model(hit.model) ?? ctx.chain![0]!;
    ctx.progress.lastModel = entry;
    ctx.meta = {
      invocationId: ctx.invocationId,
      route: ctx.plan!.name,
      model: hit.model,
      provider: hit.provider,
      providerModelId: hit.providerModelId,
      attempts: 0,
      fallbacks: 0,
      cache: 'hit',
    };
    if (ctx.streaming) ctx.stream = chunkStream(replayAsChunks(hit));
    else {
      ctx.result = hit.result;
      if (hit.outputHash !== undefined) ctx.outputHash = { of: hit.result, hash: hit.outputHash };
    }
  };

  const step = async (ctx: ChatContext, next: Next, policy: NonNullable<RoutePlan['cache']>): Promise<void> => {
    const plan = ctx.plan!;
    const { req } = ctx;
    const control = req.cacheControl;
    if (control === 'no-store' || !isCacheable(req.params, policy.mode)) {
      ctx.cache = 'bypass';
      deps.metrics?.observeCache(plan.name, 'bypass');
      return next();
    }
    const tenant = req.caller?.tenant ?? 'default';
    const primary = ctx.chain![0]!;
    const lookup: Lookup = { key: responseCacheKey({ tenant, route: plan.name, model: primary.alias, messages: req.messages, params: req.params }) };
    const now = deps.clock.now();
    if (control !== 'no-cache') {
      let hit = await deps.store.get(lookup.key, now);
      const index = indexFor(plan);
      if (!hit && index) {
        const text = semanticCacheText(req.messages);
        const vector = text === undefined ? undefined : await embed(plan, text, req.signal);
        if (vector) {
          const scope = semanticCacheScope({ route: plan.name, model: primary.alias, params: req.params });
          lookup.semantic = { index, scope, vector };
          const near = index.lookup(tenant, scope, vector, now);
          if (near) hit = await deps.store.get(near.key, now);
        }
      }
      if (hit) {
        ctx.cache = 'hit';
        deps.metrics?.observeCache(plan.name, 'hit');
        answerFrom(ctx, hit);
        return;
      }
    }
    ctx.cache = 'miss';
    deps.metrics?.observeCache(plan.name, 'miss');
    await next();
    // an answer from a budget's cheaper model is not what this key stands for: do not keep it
    if (ctx.downgradedBy !== undefined) return;
    // nor is a fallback model's: the key names the primary, and replaying a degraded answer would serve it
    // after the primary recovers, and to critical requests that may only get the primary or its equivalents
    const answeredBy = ctx.meta?.model;
    if (answeredBy !== primary.alias && !primary.equivalents.includes(answeredBy ?? '')) return;
    const ttlMs = policy.ttlSeconds * 1000;
    const save = (result: ChatResult): void => {
      const meta = ctx.meta!;
      const at = deps.clock.now();
      const outputHash = deps.hashOutput?.(result);
      // the record step reuses it when nothing after this step replaced the answer
      if (outputHash !== undefined && result === ctx.result) ctx.outputHash = { of: result, hash: outputHash };
      if (result.modelId === '') result = { ...result, modelId: meta.providerModelId };
      void deps.store.set(lookup.key, { result, model: meta.model, provider: meta.provider, providerModelId: meta.providerModelId, storedAt: at, outputHash }, ttlMs, at);
      if (lookup.semantic) lookup.semantic.index.add(tenant, lookup.semantic.scope, lookup.semantic.vector, lookup.key, at + ttlMs);
    };
    if (ctx.result) save(ctx.result);
    else if (ctx.stream) ctx.stream = collect(ctx.stream, save);
  };
  // routes without a cache pass straight through, without an asynchronous hop of this step's own
  return (ctx, next) => {
    const policy = ctx.plan!.cache;
    return policy ? step(ctx, next, policy) : next();
  };
}


/** Passes a stream through and hands the assembled answer to `done` if it finishes normally. */
async function* collect(upstream: AsyncIterable<ChatChunk>, done: (r: ChatResult) => void): AsyncGenerator<ChatChunk> {
  let text = '';
  const calls: ToolCall[] = [];
  for await (const chunk of upstream) {
    if (chunk.type === 'text') text += chunk.text;
    else if (chunk.type === 'tool_call') {
      const call = (calls[chunk.index] ??= { id: '', name: '', arguments: '' });
      if (chunk.id) call.id = chunk.id;
      if (chunk.name) call.name = chunk.name;
      call.arguments += chunk.argumentsDelta;
    } else {
      const finishReason: FinishReason = chunk.finishReason;
      done({ text, toolCalls: calls.filter(Boolean), finishReason, usage: chunk.usage, modelId: '' });
    }
    yield chunk;
  }
}
