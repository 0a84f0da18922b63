import type { CacheStatus, ClientLink, GuardrailInterventionRecord, ChatChunk, ChatMessage, ChatModel, ChatParams, ChatResult, EmbeddingModel } from '../core/index.js';
import type { CircuitBreaker } from './breaker.js';
import type { ModelPrice } from './pricing.js';
import type { RetryPolicy } from './retry.js';

export type Priority = 'critical' | 'normal';

/** A configured model, ready to call. */
export interface ModelEntry {
  alias: string;
  provider: string;
  providerModelId: string;
  type: 'chat' | 'embedding';
  /** aliases a critical request may fall back to */
  equivalents: string[];
  chat?: ChatModel;
  embedding?: EmbeddingModel;
  breaker: CircuitBreaker;
  /** resolved once from config and the pricing table; undefined = unpriced */
  price?: ModelPrice;
}

/** A resolved route: the ordered chain and its timing policy. */
export interface RoutePlan {
  name: string;
  models: string[];
  retry: RetryPolicy;
  attemptTimeoutMs: number;
  deadlineMs: number;
  /** the route's response cache, when it has one */
  cache?: RouteCachePolicy;
}

/** strata.yaml `routes.<name>.cache`. */
export interface RouteCachePolicy {
  ttlSeconds: number;
  mode: 'deterministic' | 'force';
  semantic?: { embeddingModel: string; threshold: number; maxEntries: number };
}

/** The caller's identity as the pipeline needs it (the server fills it from the API key). */
export interface Caller {
  tenant: string;
  /** public id of the API key; undefined for in-process callers and no-auth mode */
  keyId?: string;
  /** throws 'forbidden' when the caller may not use this route or one of the models it can reach */
  authorize?: (route: string, models: readonly string[]) => void;
}

export interface GatewayChatRequest {
  /** a route name or a model alias */
  model: string;
  messages: ChatMessage[];
  params: ChatParams;
  priority?: Priority;
  /** who is asking (default: tenant 'default', no key, no restrictions) */
  caller?: Caller;
  tags?: Record<string, string>;
  /** `cache-control` request header: no-cache = do not answer from the cache; no-store = do not touch it */
  cacheControl?: 'no-cache' | 'no-store';
  /** aborted when the client goes away */
  signal?: AbortSignal;
  /** the same as `signal`, cheaper (the HTTP server passes both, the signal made only when read); wins over it */
  client?: ClientLink;
  invocationId?: string;
  /** epoch ms the request arrived (defaults to now) */
  receivedAt?: number;
  /** `name@version` of the registry prompt the messages were rendered from: recorded and sent as x-strata-prompt */
  prompt?: string;
  /** who the request is for (x-strata-subject): keeps an experiment's assignment sticky per user */
  subject?: string;
  /** the experiment and arm that chose the prompt version or model; recorded once the arm was called */
  experiment?: { id: string; arm: string };
  /** variables for the prompt bound to the requested route (strata.yaml `routes.<name>.prompt`) */
  variables?: Record<string, unknown>;
}

/** What the caller learns about how the request was served (the x-strata-* headers). */
export interface InvocationMeta {
  invocationId: string;
  route: string;
  /** alias of the model that answered */
  model: string;
  provider: string;
  providerModelId: string;
  attempts: number;
  fallbacks: number;
  /** how the response cache treated the request (x-strata-cache); bypass when the route has no cache */
  cache: CacheStatus;
  /** `name@version` of the rendered prompt, when the request came from one (x-strata-prompt) */
  prompt?: string;
  /** the route's guardrail policy and what it did (x-strata-guardrail); absent when the route has none */
  guardrail?: GuardrailTrace;
}

/**
 * What a route's guardrail policy did to one request. Filled as the request goes: a streamed answer's output
 * checks finish after the response headers are sent, which is why `settled` says whether the verdict is final.
 */
export interface GuardrailTrace {
  policy: string;
  /** GUARDRAIL_INTERVENED once any check blocked or masked something (findings only recorded do not count) */
  action: 'NONE' | 'GUARDRAIL_INTERVENED';
  /** the side whose check blocked: the caller got the policy's blocked message */
  blocked?: 'input' | 'output';
  /** every intervention, merged per side, check and action */
  interventions: GuardrailInterventionRecord[];
  /** contextual grounding and relevance of the answer, when the policy scored them */
  grounding?: { grounding: number; relevance: number };
  /** true once no later check can change the verdict */
  settled: boolean;
}

export interface GatewayChatResponse {
  meta: InvocationMeta;
  result: ChatResult;
}

export interface GatewayStreamResponse {
  meta: InvocationMeta;
  /** chunks from the first token on; an upstream failure mid-stream throws a StrataError */
  chunks: AsyncIterable<ChatChunk>;
}

export interface GatewayEmbeddingRequest {
  model: string;
  input: string[];
  dimensions?: number;
  inputType?: 'document' | 'query';
  caller?: Caller;
  tags?: Record<string, string>;
  signal?: AbortSignal;
  client?: ClientLink;
  invocationId?: string;
}

export interface GatewayEmbeddingResponse {
  meta: InvocationMeta;
  vectors: Float32Array[];
  inputTokens: number;
}
