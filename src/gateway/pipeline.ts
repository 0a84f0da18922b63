import {
  ContentHasher,
  StrataError,
  asClientLink,
  countMessageTokens,
  countTokens,
  newId,
  systemClock,
  toStrataError,
  type ChatChunk,
  type CacheStatus,
  type ClientLink,
  type ChatResult,
  type Clock,
  type InvocationRecord,
} from '../core/index.js';
import { logInvocation, type GatewayMetrics, type Logger } from '../observe/index.js';
import type { ModelCatalog } from './catalog.js';
import type { GatewayLimiter, ModelLease } from './limiter.js';
import { invokeWithFallback, type InvokeOptions, type InvokeProgress } from './invoke.js';
import { markAnswered, markFailed, normalisePrompt, openRecord, outputHashOf, setUsage } from './record.js';
import type {
  GatewayChatRequest,
  GatewayChatResponse,
  GatewayEmbeddingRequest,
  GatewayEmbeddingResponse,
  GatewayStreamResponse,
  GuardrailTrace,
  InvocationMeta,
  ModelEntry,
  RoutePlan,
} from './types.js';

/** Where finished invocation records go (the store's batched writer). */
export interface RecordSink {
  enqueue(rec: InvocationRecord): void;
}

/** Per-request state that the pipeline steps read and fill in. Holds content only in memory, never in records. */
export interface ChatContext {
  readonly req: GatewayChatRequest;
  /** whether the caller asked for chunks (chat() or stream()) */
  readonly streaming: boolean;
  readonly invocationId: string;
  readonly receivedAt: number;
  plan?: RoutePlan;
  chain?: ModelEntry[];
  readonly progress: InvokeProgress;
  result?: ChatResult;
  stream?: AsyncIterable<ChatChunk>;
  meta?: InvocationMeta;
  /** set by the cache step; a hit is recorded with no tokens and cost 0 */
  cache?: CacheStatus;
  /** name of the budget that moved the request to a cheaper model */
  downgradedBy?: string;
  /** run once with the finished record (cost and usage known): budgets count spend, limits reconcile tokens */
  readonly finishHooks: ((rec: InvocationRecord) => void)[];
  /** the keyed output hash of `of`, computed by a step that needed it first (the cache): reused while ctx.result is `of` */
  outputHash?: { of: ChatResult; hash: string };
  /** input tokens estimated by the tokenizer before the call (filled on first use) */
  inputEstimate?: number;
  /** set by the guardrail step on routes with a policy: what it did (recorded, counted, sent as headers) */
  guardrail?: GuardrailTrace;
  /**
   * Retrieved passages the answer is meant to be grounded in: the knowledge-base step fills it when it puts
   * sources into the prompt, and the guardrail step scores the answer's grounding against them.
   */
  groundingSources?: string[];
  /**
   * Set by the guardrail step when the policy screens retrieved documents (promptAttacks.documents): the
   * knowledge-base step passes the passages it retrieved and leaves out those marked false (indirect injection).
   */
  screenDocuments?: (passages: readonly string[]) => boolean[];
}

/** Above this many characters the pre-call estimate is chars/4: BPE costs ~4 µs a character on blob-like text. */
const TOKENIZE_LIMIT_CHARS = 200_000;

/**
 * The request's input tokens as estimated before the call (cl100k over the message texts), computed once.
 * A very large prompt is estimated at four characters a token instead, so one request cannot hold the event
 * loop for seconds; the real count replaces the estimate once the model reports usage.
 */
export function inputEstimate(ctx: ChatContext): number {
  if (ctx.inputEstimate !== undefined) return ctx.inputEstimate;
  let chars = 0;
  for (const m of ctx.req.messages) chars += m.content.length;
  ctx.inputEstimate = chars > TOKENIZE_LIMIT_CHARS ? Math.ceil(chars / 4) : countMessageTokens(ctx.req.messages);
  return ctx.inputEstimate;
}

/** How the gateway hears that the caller went away: its ClientLink, else one over its signal. */
export function clientOf(req: { client?: ClientLink; signal?: AbortSignal }): ClientLink | undefined {
  return req.client ?? asClientLink(req.signal);
}

export type Next = () => Promise<void>;
/** One pipeline step: does its part, calls `next()` to go on, may act again after it returns. */
export type Step = (ctx: ChatContext, next: Next) => Promise<void>;

/** Koa-style composition: the first step wraps all the others. */
export function composeSteps(steps: Step[]): (ctx: ChatContext) => Promise<void> {
  return (ctx) => {
    const dispatch = (i: number): Promise<void> => {
      const step = steps[i];
      if (!step) return Promise.resolve();
      // steps need not be async functions (a pass-through adds no hop then); a synchronous throw still rejects
      try {
        return step(ctx, () => dispatch(i + 1));
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    return dispatch(0);
  };
}

export interface GatewayDeps {
  catalog: ModelCatalog;
  hasher: ContentHasher;
  logger: Logger;
  metrics?: GatewayMetrics;
  sink?: RecordSink;
  clock?: Clock;
  random?: () => number;
  /** model quotas, concurrency caps and adaptive throttle, applied before every upstream call */
  limiter?: GatewayLimiter;
}

/**
 * The request path every interface (HTTP, CLI, library) calls: resolve the route, invoke with
 * retry ∘ breaker ∘ fallback, record. Later capabilities add steps between these.
 */
export class Gateway {
  readonly #deps: GatewayDeps;
  readonly #clock: Clock;
  readonly #run: (ctx: ChatContext) => Promise<void>;
  /** finished records whose store, metrics and log line wait for the end of this turn (after the response) */
  #finished: { rec: InvocationRecord; provider: string; operation: 'chat' | 'embeddings' }[] = [];
  #drainScheduled = false;

  constructor(deps: GatewayDeps, extraSteps: Step[] = []) {
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#run = composeSteps([this.#recordStep, this.#resolveStep, ...extraSteps, this.#invokeStep]);
  }

  get catalog(): ModelCatalog {
    return this.#deps.catalog;
  }

  /** One non-streamed chat completion. */
  async chat(req: GatewayChatRequest): Promise<GatewayChatResponse> {
    const ctx = this.#context(req, false);
    await this.#run(ctx);
    return { meta: ctx.meta!, result: ctx.result! };
  }

  /** A streamed chat completion; resolves once the first token is in (so headers can name the model). */
  async stream(req: GatewayChatRequest): Promise<GatewayStreamResponse> {
    const ctx = this.#context(req, true);
    await this.#run(ctx);
    return { meta: ctx.meta!, chunks: ctx.stream! };
  }

  /** Embeddings through the same retry, breaker and record path. */
  async embed(req: GatewayEmbeddingRequest): Promise<GatewayEmbeddingResponse> {
    const receivedAt = this.#clock.now();
    const invocationId = req.invocationId ?? newId('inv', receivedAt);
    const { plan, entry } = this.#deps.catalog.resolveEmbedding(req.model);
    const progress: InvokeProgress = { attempts: 0, fallbacks: 0, lastModel: undefined };
    const tenant = req.caller?.tenant ?? 'default';
    const rec = openRecord(invocationId, receivedAt, tenant, req.model, false, this.#deps.hasher.hash(req.input.join('\u0000')), req.tags ?? {});
    rec.keyId = req.caller?.keyId ?? null;
    let estimate: number | undefined;
    const estimateTokens = (): number => (estimate ??= req.input.reduce((n, t) => n + countTokens(t), 0));
    let settle: ((actual: number) => void) | undefined;
    try {
      req.caller?.authorize?.(plan.name, [entry.alias]);
      const limiter = this.#deps.limiter;
      if (limiter?.hasRequestLimits) settle = await limiter.admitRequest(tenant, req.caller?.keyId, estimateTokens());
      const out = await invokeWithFallback({
        plan,
        chain: [entry],
        deadline: receivedAt + plan.deadlineMs,
        client: clientOf(req),
        clock: this.#clock,
        metrics: this.#deps.metrics,
        progress,
        random: this.#deps.random,
        attempt: (e, signal) => e.embedding!.embed({ texts: req.input, dimensions: req.dimensions, inputType: req.inputType, signal }),
        admit: this.#admitter(estimateTokens),
      });
      out.lease?.done({ usage: { inputTokens: out.value.usage.inputTokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 } });
      settle?.(out.value.usage.inputTokens);
      markAnswered(rec, plan.name, out.entry, out.attempts, out.fallbacks);
      setUsage(rec, { inputTokens: out.value.usage.inputTokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, out.entry.price);
      rec.latencyMs = this.#clock.now() - receivedAt;
      this.#finish(undefined, rec, out.entry.provider, 'embeddings');
      return { meta: this.#meta(invocationId, plan, out.entry, out.attempts, out.fallbacks, 'bypass'), vectors: out.value.vectors, inputTokens: out.value.usage.inputTokens };
    } catch (e) {
      const err = toStrataError(e);
      settle?.(0);
      markFailed(rec, err, progress);
      rec.latencyMs = this.#clock.now() - receivedAt;
      this.#finish(undefined, rec, entry.provider, 'embeddings');
      throw err;
    }
  }

  #context(req: GatewayChatRequest, streaming: boolean): ChatContext {
    const receivedAt = req.receivedAt ?? this.#clock.now();
    return {
      req,
      streaming,
      invocationId: req.invocationId ?? newId('inv', receivedAt),
      receivedAt,
      progress: { attempts: 0, fallbacks: 0, lastModel: undefined },
      finishHooks: [],
    };
  }

  #meta(invocationId: string, plan: RoutePlan, entry: ModelEntry, attempts: number, fallbacks: number, cache: CacheStatus): InvocationMeta {
    return { invocationId, route: plan.name, model: entry.alias, provider: entry.provider, providerModelId: entry.providerModelId, attempts, fallbacks, cache };
  }

  // not async: a refusal thrown here must still reach the record step as a rejection, which dispatch ensures
  readonly #resolveStep: Step = (ctx, next) => {
    const { plan, chain } = this.#deps.catalog.resolveChat(ctx.req.model, ctx.req.priority);
    ctx.req.caller?.authorize?.(plan.name, chain.map((e) => e.alias));
    ctx.plan = plan;
    ctx.chain = chain;
    return next();
  };

  /** The per-call admission of the limiter, when one is configured. */
  #admitter(estimate: () => number): InvokeOptions<unknown>['admit'] {
    const limiter = this.#deps.limiter;
    if (!limiter?.hasModelGates) return undefined;
    // at once when nothing has to wait (no promise then), else the waiting admission
    return (entry, client) => {
      const now = limiter.admitModelNow(entry, estimate, client);
      return now !== undefined ? now.lease : limiter.admitModel(entry, estimate, client);
    };
  }

  /** invokeWithFallback's options for this request, around one attempt function. */
  #invokeOptions<T>(ctx: ChatContext, attempt: (entry: ModelEntry, signal: AbortSignal) => Promise<T>): InvokeOptions<T> {
    const plan = ctx.plan!;
    return {
      plan,
      chain: ctx.chain!,
      deadline: ctx.receivedAt + plan.deadlineMs,
      client: clientOf(ctx.req),
      clock: this.#clock,
      metrics: this.#deps.metrics,
      progress: ctx.progress,
      random: this.#deps.random,
      attempt,
      admit: this.#admitter(() => inputEstimate(ctx)),
    };
  }

  readonly #invokeStep: Step = async (ctx) => {
    const plan = ctx.plan!;
    const { messages, params } = ctx.req;
    if (!ctx.streaming) {
      const out = await invokeWithFallback(this.#invokeOptions(ctx, (e, signal) => e.chat!.chat({ messages, params, signal })));
      out.lease?.done({ usage: out.value.usage });
      ctx.result = out.value;
      ctx.meta = this.#meta(ctx.invocationId, plan, out.entry, out.attempts, out.fallbacks, ctx.cache ?? 'bypass');
      return;
    }
    // Streams may be retried or moved to another model only until the first token: open the stream
    // and wait for its first chunk inside the attempt, so a failure before it falls back normally.
    let streamAbort: AbortController | undefined;
    const out = await invokeWithFallback(
      this.#invokeOptions(ctx, async (e, signal) => {
        const own = new AbortController();
        const onAbort = (): void => own.abort(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          const it = e.chat!.stream({ messages, params, signal: own.signal })[Symbol.asyncIterator]();
          const first = await it.next();
          streamAbort = own;
          return { it, first };
        } catch (err) {
          own.abort();
          throw err;
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      }),
    );
    ctx.meta = this.#meta(ctx.invocationId, plan, out.entry, out.attempts, out.fallbacks, ctx.cache ?? 'bypass');
    ctx.stream = continueStream(out.value.it, out.value.first, streamAbort!, ctx, this.#clock, out.entry.alias, out.lease);
  };

  readonly #recordStep: Step = async (ctx, next) => {
    const { req } = ctx;
    const rec = openRecord(ctx.invocationId, ctx.receivedAt, req.caller?.tenant ?? 'default', req.model, ctx.streaming, this.#deps.hasher.hash(normalisePrompt(req.messages)), req.tags ?? {});
    rec.keyId = req.caller?.keyId ?? null;
    this.#deps.metrics?.inFlight.inc();
    try {
      await next();
    } catch (e) {
      this.#deps.metrics?.inFlight.dec();
      const err = toStrataError(e);
      if (ctx.plan) rec.route = ctx.plan.name;
      markFailed(rec, err, ctx.progress);
      rec.latencyMs = this.#clock.now() - ctx.receivedAt;
      this.#finish(ctx, rec, ctx.progress.lastModel?.provider ?? 'none', 'chat');
      throw err;
    }
    const meta = ctx.meta!;
    // set here rather than where meta is built (invoke, cache hit): one place covers every way of answering
    if (req.prompt !== undefined) meta.prompt = req.prompt;
    const entry = ctx.progress.lastModel!;
    markAnswered(rec, meta.route, entry, meta.attempts, meta.fallbacks);
    if (ctx.result) {
      this.#deps.metrics?.inFlight.dec();
      const r = ctx.result;
      if (ctx.cache !== 'hit') setUsage(rec, r.usage, entry.price);
      rec.latencyMs = this.#clock.now() - ctx.receivedAt;
      rec.outputHash = ctx.outputHash?.of === r ? ctx.outputHash.hash : outputHashOf(this.#deps.hasher, r);
      rec.finishReason = r.finishReason;
      this.#finish(ctx, rec, entry.provider, 'chat');
      return;
    }
    rec.ttftMs = this.#clock.now() - ctx.receivedAt;
    ctx.stream = this.#recordStream(ctx, ctx.stream!, rec, entry);
  };

  /** Passes a stream through and records it when it ends, fails or is abandoned by the client. */
  async *#recordStream(ctx: ChatContext, upstream: AsyncIterable<ChatChunk>, rec: InvocationRecord, entry: ModelEntry): AsyncGenerator<ChatChunk> {
    const parts: string[] = [];
    let failure: StrataError | undefined;
    try {
      for await (const chunk of upstream) {
        if (chunk.type === 'text') parts.push(chunk.text);
        else if (chunk.type === 'tool_call') parts.push(chunk.argumentsDelta);
        else {
          if (ctx.cache !== 'hit') setUsage(rec, chunk.usage, entry.price);
          rec.finishReason = chunk.finishReason;
        }
        yield chunk;
      }
    } catch (e) {
      failure = toStrataError(e);
      throw failure;
    } finally {
      this.#deps.metrics?.inFlight.dec();
      rec.latencyMs = this.#clock.now() - ctx.receivedAt;
      if (parts.length > 0) rec.outputHash = this.#deps.hasher.hash(parts.join(''));
      if (failure || rec.finishReason === null) {
        markFailed(rec, failure ?? new StrataError('invalid_request', 'The client closed the stream before it ended.', { status: 499 }), undefined);
      }
      this.#finish(ctx, rec, entry.provider, 'chat');
    }
  }

  #finish(ctx: ChatContext | undefined, rec: InvocationRecord, provider: string, operation: 'chat' | 'embeddings'): void {
    if (ctx) {
      if (ctx.req.prompt !== undefined) {
        rec.prompt = ctx.req.prompt;
        // a route's bound prompt may have replaced the messages after the record was opened: hash what was sent
        rec.promptHash = this.#deps.hasher.hash(normalisePrompt(ctx.req.messages));
      }
      if (ctx.cache !== undefined) rec.cache = ctx.cache;
      if (ctx.cache === 'hit') {
        rec.attempts = 0;
        rec.costUsd = 0;
      }
      if (ctx.downgradedBy !== undefined) rec.downgradedBy = ctx.downgradedBy;
      if (ctx.guardrail !== undefined) {
        rec.guardrail = ctx.guardrail.policy;
        rec.guardrailInterventions = ctx.guardrail.interventions.length > 0 ? ctx.guardrail.interventions.map((i) => ({ ...i, types: [...i.types] })) : null;
      }
      // only requests the arm really served count for it: a refusal before any call (limits, budgets) does not
      const exp = ctx.req.experiment;
      if (exp && rec.attempts > 0) {
        rec.experiment = exp.id;
        rec.arm = exp.arm;
      }
      for (const hook of ctx.finishHooks) {
        try {
          hook(rec);
        } catch (e) {
          this.#deps.logger.error({ err: { message: (e as Error).message }, id: rec.id }, 'a finish hook failed');
        }
      }
    }
    // The caller's answer goes out first: storing, counting and logging wait for the end of this turn of the
    // event loop (one setImmediate for all records finished in it). At concurrency 1 that is ~10–15 µs less
    // between the model's answer and the client's.
    this.#finished.push({ rec, provider, operation });
    if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      setImmediate(this.#drain);
    }
  }

  /** Stores, counts and logs every record finished so far (also called before shutdown flushes the writer). */
  readonly #drain = (): void => {
    this.#drainScheduled = false;
    const done = this.#finished;
    if (done.length === 0) return;
    this.#finished = [];
    for (const { rec, provider, operation } of done) {
      // this runs outside any request: a throw here would be an uncaught exception, and the other records lost
      try {
        this.#deps.sink?.enqueue(rec);
        this.#deps.metrics?.observeInvocation(rec, provider, operation);
        logInvocation(this.#deps.logger, rec);
      } catch (e) {
        this.#deps.logger.error({ err: { message: (e as Error).message }, id: rec.id }, 'an invocation record could not be handed on');
      }
    }
  };

  /** Hands records finished in this turn of the event loop to the sink, metrics and log now. */
  flushFinished(): void {
    this.#drain();
  }
}

/** Wraps the rest of an upstream stream: after the first token nothing is retried; failures end the stream. */
async function* continueStream(
  it: AsyncIterator<ChatChunk>,
  first: IteratorResult<ChatChunk>,
  abort: AbortController,
  ctx: ChatContext,
  clock: Clock,
  alias: string,
  lease: ModelLease | undefined,
): AsyncGenerator<ChatChunk> {
  const deadline = ctx.receivedAt + ctx.plan!.deadlineMs;
  const timer = setTimeout(() => abort.abort(new StrataError('deadline_exceeded', `The stream from '${alias}' passed its deadline of ${ctx.plan!.deadlineMs} ms.`)), Math.max(0, deadline - clock.now()));
  const client = clientOf(ctx.req);
  const offClient = client?.onGone(() => abort.abort());
  let done = false;
  let finish: Extract<ChatChunk, { type: 'finish' }> | undefined;
  try {
    let cur = first;
    while (!cur.done) {
      if (cur.value.type === 'finish') finish = cur.value;
      yield cur.value;
      try {
        cur = await it.next();
      } catch (e) {
        const reason: unknown = abort.signal.reason;
        if (abort.signal.aborted && reason instanceof StrataError) throw reason;
        const err = toStrataError(e);
        throw new StrataError(err.code === 'internal' ? 'upstream_stream_error' : err.code, `The stream from '${alias}' failed after it started: ${err.message}`, {
          upstreamType: err.upstreamType,
          details: { afterFirstToken: true },
        });
      }
    }
    done = true;
  } finally {
    clearTimeout(timer);
    lease?.done({ usage: finish?.usage });
    offClient?.();
    if (!done) {
      abort.abort();
      await it.return?.().catch(() => undefined);
    }
  }
}
