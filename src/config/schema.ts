import { z } from 'zod';
import { guardrailPolicySchema } from './guardrails-schema.js';

/** Model aliases and route names: what clients put in the `model` field. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const NAME_RULE = "use letters, digits, '.', '_' or '-', starting with a letter or digit";

export const PROVIDERS = ['bedrock', 'openai', 'local'] as const;
export const MODEL_TYPES = ['chat', 'embedding'] as const;
/** The models the local provider implements. */
export const LOCAL_MODEL_IDS = ['extractive', 'hash-embed'] as const;

export type Provider = (typeof PROVIDERS)[number];
export type ModelType = (typeof MODEL_TYPES)[number];

/** A model's type when the config does not say: embedding models are recognisable by their id. */
export function inferModelType(id: string): ModelType {
  return id === 'hash-embed' || id.toLowerCase().includes('embed') ? 'embedding' : 'chat';
}

const name = z.string().regex(NAME_PATTERN, { error: `invalid name; ${NAME_RULE}` });
const positiveInt = z.number().int().positive();

export const serverSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8787),
  bodyLimitBytes: positiveInt.default(1_048_576),
  /** overall deadline for a request whose route sets none */
  requestDeadlineMs: positiveInt.default(60_000),
  shutdownGraceMs: z.number().int().min(0).default(10_000),
  metricsAuth: z.boolean().default(false),
  /**
   * V8's parallel young-generation GC (helper threads): 'auto' turns it off when this process may run on
   * one CPU only (affinity), where the helpers only take turns with the main thread on that CPU.
   */
  parallelGc: z.enum(['auto', 'on', 'off']).default('auto'),
});

const perMillion = z.number({ error: 'expected a non-negative number (USD per million tokens)' }).min(0, { error: 'prices cannot be negative' });

/** Per-model price override in USD per million tokens; wins over the built-in Bedrock table. */
export const pricingSchema = z.strictObject({
  input: perMillion,
  output: perMillion,
  cacheRead: perMillion.optional(),
  cacheWrite: perMillion.optional(),
});

const positiveLimit = z.number({ error: 'expected a positive number' }).gt(0, { error: 'limits must be > 0 (leave the field out for no limit)' });

/** Requests/minute and tokens/minute (input estimated before the call, output counted as it arrives). */
export const rateLimitSchema = z.strictObject({
  rpm: positiveLimit.optional(),
  tpm: positiveLimit.optional(),
});

export const modelLimitsSchema = z.strictObject({
  rpm: positiveLimit.optional(),
  tpm: positiveLimit.optional(),
  /** calls in flight to this model at once; more wait in the admission queue */
  concurrency: z.number().int().positive().optional(),
  /** lower the send rate when the model answers with throttling (AIMD), recover gradually */
  adaptive: z.boolean().default(true),
});

export const modelShape = {
  provider: z.enum(PROVIDERS),
  /** bedrock: model id, inference profile id or ARN; openai: model name; local: extractive | hash-embed */
  id: z.string().min(1),
  type: z.enum(MODEL_TYPES).optional(),
  /** bedrock only */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'expected an AWS region such as us-east-1' })
    .optional(),
  /** bedrock endpoint override, or the OpenAI-compatible server's base URL */
  endpoint: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  /** openai: the name of the environment variable holding the key (never the key itself) */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected the name of an environment variable, e.g. OPENAI_API_KEY' })
    .optional(),
  dimensions: positiveInt.optional(),
  /** models a critical request may fall back to */
  equivalents: z.array(name).default([]),
  /** USD per million tokens; required to price openai-provider models, overrides the Bedrock table */
  pricing: pricingSchema.optional(),
  /** this model's quota (Bedrock quotas are per model and region): rpm, tpm, concurrency, adaptive throttle */
  limits: modelLimitsSchema.optional(),
};

export const modelSchema = z
  .strictObject(modelShape)
  .transform((m) => ({ ...m, type: m.type ?? inferModelType(m.id) }));

export const retrySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(10).default(3),
  baseMs: z.number().int().min(1).default(100),
  capMs: z.number().int().min(1).default(2000),
});

/** Exact-match response cache for a route (semantic matching optional). */
export const routeCacheSchema = z.strictObject({
  ttlSeconds: positiveInt,
  /** deterministic: only requests with temperature 0; force: every request */
  mode: z.enum(['deterministic', 'force']).default('deterministic'),
  /** embedding-similarity matching (off unless present); may answer a different but similar prompt */
  semantic: z
    .strictObject({
      embeddingModel: name,
      threshold: z.number().gt(0).max(1).default(0.95),
      maxEntries: positiveInt.default(10_000),
    })
    .optional(),
});

/**
 * A registry prompt reference: `name`, `name@label` or `name@version` (the registry's own rules,
 * repeated here because config sits below the prompt module).
 */
export const PROMPT_REF_PATTERN = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*(@([a-z][a-z0-9._-]{0,31}|[1-9][0-9]*))?$/;

/** Knowledge base names (the rag store's rule, repeated here because config sits below rag). */
export const KB_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const RAG_SEARCH_MODES = ['vector', 'lexical', 'hybrid'] as const;

/** 0–1; 0 turns the relevance check off */
const relevance = z.number().min(0).max(1);
/** Bedrock's numberOfResults range */
const numberOfResults = z.number().int().min(1).max(100);

/** Reranking of retrieved candidates: `true` (the local lexical cross-scorer) or a model and how many to keep. */
export const rerankConfigSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** 'local', a Bedrock rerank model id (amazon.rerank-v1:0, cohere.rerank-v3-5:0) or its ARN */
    model: z.string().min(1).optional(),
    topN: numberOfResults.optional(),
  }),
]);

/** `routes.<name>.knowledgeBase`: chat requests to the route are answered from this knowledge base. */
export const routeKnowledgeBaseSchema = z.strictObject({
  name: z.string().regex(KB_NAME_PATTERN, { error: "expected a knowledge base name: 1-63 of a-z, 0-9, '.', '_', '-', starting with a letter or digit" }),
  /** search this tenant's knowledge base for every caller (default: the caller's own tenant) */
  tenant: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, { error: "expected a tenant name (lowercase letters, digits, '.', '_', '-')" }).optional(),
  k: numberOfResults.default(5),
  mode: z.enum(RAG_SEARCH_MODES).default('hybrid'),
  rerank: rerankConfigSchema.optional(),
  /** overrides rag.minRelevance for this route */
  minRelevance: relevance.optional(),
});

/** `rag:` — how retrieve-and-generate answers, for the API, the CLI and knowledge-base routes. */
export const ragSchema = z.strictObject({
  /** route or model alias that writes answers (default: the route `default`) */
  model: name.optional(),
  /** a generative model that rewrites follow-up questions into standalone ones (default: the answer model, when it is generative) */
  rewriteModel: name.optional(),
  /** the registry prompt answers are rendered from, per tenant; the bundled default when the tenant has none */
  prompt: z
    .string()
    .max(170)
    .regex(PROMPT_REF_PATTERN, { error: 'expected a prompt reference: name, name@label or name@version (e.g. rag-answer@production)' })
    .default('rag-answer@production'),
  /**
   * Below this, the best retrieved chunk is "nothing relevant" and no model is called. The score is the share of
   * the question's (analysed) terms that the chunk contains, 0–1: RRF scores are rank-based and say nothing absolute.
   */
  minRelevance: relevance.default(0.2),
  /** how long a conversation (sessionId) is kept after its last turn (Bedrock keeps sessions 24 h) */
  sessionTtlSeconds: positiveInt.max(30 * 24 * 3600).default(24 * 3600),
  /** turns of a conversation kept for rewriting follow-ups */
  maxSessionTurns: positiveInt.max(100).default(10),
});

export const routeSchema = z.strictObject({
  /** fallback chain, tried in order */
  models: z.array(z.string()).min(1),
  retry: retrySchema.prefault({}),
  attemptTimeoutMs: positiveInt.default(30_000),
  deadlineMs: positiveInt.optional(),
  cache: routeCacheSchema.optional(),
  /** a registry prompt (`support/answer@production`) that chat requests to this route are rendered from */
  prompt: z
    .string()
    .max(170)
    .regex(PROMPT_REF_PATTERN, { error: "expected a prompt reference: name, name@label or name@version (e.g. support/answer@production)" })
    .optional(),
  /** retrieval-augmented: the last user message is searched in this knowledge base and the sources go to the model */
  knowledgeBase: routeKnowledgeBaseSchema.optional(),
  /** a guardrail policy (`guardrails.<name>`, or the built-in 'default') applied to this route's input and output */
  guardrail: z.string().min(1).optional(),
});

export const breakerSchema = z.strictObject({
  failureRatio: z.number().gt(0).max(1).default(0.5),
  minRequests: positiveInt.default(5),
  windowMs: positiveInt.default(30_000),
  openMs: positiveInt.default(15_000),
  halfOpenMaxProbes: positiveInt.default(1),
});

export const authSchema = z.strictObject({
  /** false = development mode: every request is the admin of tenant 'default' (logged loudly) */
  enabled: z.boolean().default(true),
  /** how long a verified key is trusted before it is looked up again; a revocation on this server applies at once */
  keyCacheMs: z.number().int().min(0).default(1000),
});

export const queueSchema = z.strictObject({
  /** longest a request waits for a model's concurrency slot or rate before it gets 429 */
  maxWaitMs: z.number().int().min(0).default(5000),
  /** waiting requests per model; more get 429 at once */
  maxQueue: z.number().int().min(0).default(1000),
});

/** Gateway-wide limits; per-model quotas live on each model (`models.<alias>.limits`). */
export const limitsSchema = z.strictObject({
  /** per tenant name; '*' applies to every tenant without its own entry */
  tenants: z.record(z.string().min(1), rateLimitSchema).default({}),
  /** applied to each API key */
  keys: rateLimitSchema.optional(),
  queue: queueSchema.prefault({}),
});

export const cacheSchema = z.strictObject({
  /** bound of the in-process cache (LRU); Redis is used instead when STRATA_REDIS_URL is set */
  maxBytes: positiveInt.default(64 * 1024 * 1024),
  /** on Redis: entries stored within this many ms are written together in one call; 0 = each at once */
  redisWriteDelayMs: z.number().int().min(0).max(1000).default(10),
});

const tagValue = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, { error: "expected 1-64 of A-Z, a-z, 0-9, '.', '_', ':' and '-'" });
const tagKey = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, { error: "expected a tag key: 1-32 of a-z, 0-9 and '_', starting with a letter" });

export const budgetSchema = z.strictObject({
  /** a tenant name; '*' = each tenant separately; absent = all traffic together */
  tenant: z.string().min(1).optional(),
  /** only requests carrying all these x-strata-tags count and are acted on */
  tags: z.record(tagKey, tagValue).default({}),
  window: z.enum(['day', 'month']),
  limitUsd: z.number({ error: 'expected a number of US dollars' }).gt(0, { error: 'must be > 0' }),
  /** block: 429 budget_exceeded; downgrade: the cheapest priced model of the route's chain (or downgradeTo) */
  action: z.enum(['block', 'downgrade']),
  downgradeTo: name.optional(),
  /** fractions of the limit that raise an alert (log event and metric) once per window */
  alerts: z.array(z.number().gt(0).max(1)).default([0.5, 0.8, 1]),
});

/**
 * strata.yaml. Requests name a route or a model alias; when a name is both, the route wins.
 * Cross-field rules (known models, chains, equivalents) live in crossChecks.ts so that they are
 * reported together with the shape errors.
 */
export const strataConfigSchema = z.strictObject({
  server: serverSchema.prefault({}),
  hashKey: z.string().min(16).optional(),
  models: z.record(name, modelSchema).default({}),
  routes: z.record(name, routeSchema).default({}),
  breaker: breakerSchema.prefault({}),
  auth: authSchema.prefault({}),
  limits: limitsSchema.prefault({}),
  cache: cacheSchema.prefault({}),
  budgets: z.record(name, budgetSchema).default({}),
  rag: ragSchema.prefault({}),
  /** named guardrail policies; routes and knowledge bases refer to them by name ('default' is built in) */
  guardrails: z.record(name, guardrailPolicySchema).default({}),
  feedback: z
    .strictObject({
      /** tenants whose users' feedback comments are kept; for every other tenant only the score is stored (never list PHI tenants) */
      textTenants: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
});

export type StrataConfig = z.infer<typeof strataConfigSchema>;
export type ServerConfig = StrataConfig['server'];
export type ModelConfig = StrataConfig['models'][string];
export type RouteConfig = StrataConfig['routes'][string];
export type RetryConfig = RouteConfig['retry'];
export type BreakerConfig = StrataConfig['breaker'];
export type AuthConfig = StrataConfig['auth'];
export type LimitsConfig = StrataConfig['limits'];
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;
export type ModelLimitsConfig = z.infer<typeof modelLimitsSchema>;
export type RouteCacheConfig = z.infer<typeof routeCacheSchema>;
export type BudgetConfig = StrataConfig['budgets'][string];
export type RagConfig = StrataConfig['rag'];
export type RouteKnowledgeBaseConfig = z.infer<typeof routeKnowledgeBaseSchema>;
export type RerankConfig = z.infer<typeof rerankConfigSchema>;

/** Field names per object, for "unknown field … (did you mean …)" hints. */
export const KNOWN_FIELDS = {
  root: Object.keys(strataConfigSchema.shape),
  server: Object.keys(serverSchema.shape),
  model: Object.keys(modelShape),
  route: Object.keys(routeSchema.shape),
  retry: Object.keys(retrySchema.shape),
  breaker: Object.keys(breakerSchema.shape),
  pricing: Object.keys(pricingSchema.shape),
  auth: Object.keys(authSchema.shape),
  limits: Object.keys(limitsSchema.shape),
  modelLimits: Object.keys(modelLimitsSchema.shape),
  rateLimit: Object.keys(rateLimitSchema.shape),
  queue: Object.keys(queueSchema.shape),
  cache: Object.keys(cacheSchema.shape),
  routeCache: Object.keys(routeCacheSchema.shape),
  budget: Object.keys(budgetSchema.shape),
  rag: Object.keys(ragSchema.shape),
  routeKnowledgeBase: Object.keys(routeKnowledgeBaseSchema.shape),
  guardrail: Object.keys(guardrailPolicySchema.shape),
};
