import { ContentHasher, systemClock } from './core/index.js';
import { loadConfig, type StrataConfig } from './config/index.js';
import { KeyStore } from './compliance/index.js';
import {
  BudgetGuard,
  Gateway,
  MemoryResponseCache,
  MemorySpendStore,
  ModelCatalog,
  RedisResponseCache,
  RedisSpendStore,
  GatewayLimiter,
  LeasedConcurrencyStore,
  LeasedRateStore,
  MemoryConcurrencyStore,
  MemoryRateStore,
  RedisConcurrencyStore,
  RedisRateStore,
  createBudgetStep,
  createCacheStep,
  createRequestLimitsStep,
  type ResponseCacheStore,
  type Step,
  outputHashOf,
} from './gateway/index.js';
import { GatewayMetrics, createLogger, flushInvocationLog, type Logger } from './observe/index.js';
import {
  GuardrailRegistry,
  PseudonymTable,
  addInterventions,
  createGuardrailStep,
  embedFunctionFor,
  groundingScores,
  localHashEmbed,
  newGuardrailTrace,
  groundingBlocks,
} from './guardrails/index.js';
import { createProviderModel } from './providers/registry.js';
import { PromptRegistry } from './prompts/index.js';
import { createKnowledgeBaseRouteStep, createKnowledgeBaseService, type KnowledgeBaseService, type KnowledgeBaseServiceDeps, type RouteKnowledgeBase } from './rag/index.js';
import { ExperimentStore } from './prompts/experiments/index.js';
import { PromptRuntime, createPromptChangeBus, createRouteExperimentStep, createRoutePromptStep, type PromptChangeBus } from './prompts/runtime/index.js';
import { InvocationWriter, connectRedis, getOrCreateHashKey, openStore, redactRedisUrl, type RedisClient, type Store } from './store/index.js';

export interface CreateStrataOptions {
  /** path of strata.yaml (else STRATA_CONFIG, else the built-in defaults) */
  configPath?: string;
  /** an already loaded config (takes precedence over configPath) */
  config?: StrataConfig;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** collect Node process metrics as well (default true) */
  processMetrics?: boolean;
}

/** A running Strata: the pieces the server, the CLI and library users share. */
export interface Strata {
  readonly config: StrataConfig;
  readonly store: Store;
  readonly gateway: Gateway;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly writer: InvocationWriter;
  /** API keys (verify, create, revoke) over the store */
  readonly keys: KeyStore;
  /** the shared Redis when STRATA_REDIS_URL is set */
  readonly redis: RedisClient | undefined;
  /** where the data lives, for humans: a SQLite path or the PostgreSQL host */
  readonly storeDescription: string;
  /** the prompt registry over the store (versions, labels, history) */
  readonly promptRegistry: PromptRegistry;
  /** A/B experiments over prompt versions and route models, and the feedback they are judged by */
  readonly experiments: ExperimentStore;
  /** prompts at run time: `strata.prompts.get(name, { label, fallback })`, cached and kept current across replicas */
  readonly prompts: PromptRuntime;
  /** knowledge bases of every tenant: create, ingest, retrieve, retrieve-and-generate with citations */
  readonly knowledgeBases: KnowledgeBaseService;
  /** the guardrail policies of strata.yaml plus the built-in `default`, compiled: `guardrails.get(name).apply(…)` */
  readonly guardrails: GuardrailRegistry;
  /** flush records, close providers and the store */
  close(): Promise<void>;
}

/** Loads config, opens the store (migrating it), builds providers and the gateway pipeline. */
export async function createStrata(opts: CreateStrataOptions = {}): Promise<Strata> {
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadConfig({ path: opts.configPath, env });
  const logger = opts.logger ?? createLogger();
  const metrics = new GatewayMetrics({ defaultMetrics: opts.processMetrics ?? true });
  const databaseUrl = env.STRATA_DATABASE_URL || undefined;
  const store = await openStore({ databaseUrl, home: env.STRATA_HOME || undefined });
  let redis: RedisClient | undefined;
  let promptBus: PromptChangeBus | undefined;
  try {
    const redisUrl = env.STRATA_REDIS_URL || undefined;
    if (redisUrl) {
      redis = await connectRedis(redisUrl, { onError: (e) => logger.error({ err: { message: e.message }, redis: redactRedisUrl(redisUrl) }, 'redis connection error') });
    }
    const prefix = env.STRATA_REDIS_PREFIX || 'strata:';
    const hashKey = await getOrCreateHashKey(store, config.hashKey ?? (env.STRATA_HASH_KEY || undefined));
    const writer = new InvocationWriter(store, {
      onError: (error, dropped) => {
        metrics.recordsDropped.inc({}, dropped);
        logger.error({ code: error.code, dropped }, 'invocation records could not be stored');
      },
    });
    promptBus = createPromptChangeBus({
      store,
      databaseUrl,
      redis,
      redisPrefix: prefix,
      onError: (e) => logger.warn({ err: { message: e.message } }, 'prompt change bus: connection trouble; label moves reach this replica after the cache TTL until it reconnects'),
    });
    // each needs the other: the runtime reads through the registry, the registry reports moves to the runtime
    // feedback may arrive right after its answer: flushing the writer first means its record can be found
    const experiments = new ExperimentStore(store, { flushInvocations: () => writer.flush() });
    const promptRuntime: PromptRuntime = new PromptRuntime({ source: { get: (t, n, r) => promptRegistry.get(t, n, r) }, bus: promptBus, logger, experiments });
    const promptRegistry = new PromptRegistry(store, { onLabelChange: (change) => promptRuntime.labelChanged(change) });
    // Not fatal: without the listener, label moves still arrive within the cache TTL.
    await promptBus.ready().catch((e: unknown) => logger.warn({ err: { message: e instanceof Error ? e.message : String(e) } }, 'prompt change bus did not start'));
    const hasher = new ContentHasher(hashKey);
    const catalog = new ModelCatalog(config, (alias) => createProviderModel(alias, config.models[alias]!, env), { metrics });
    const steps: Step[] = [];
    const routePrompts = new Map(Object.entries(config.routes).flatMap(([name, r]) => (r.prompt ? [[name, r.prompt] as const] : [])));
    // first of the extra steps: the cache, budgets and limits must see the rendered request
    steps.push(createRouteExperimentStep(experiments, catalog));
    if (routePrompts.size > 0) steps.push(createRoutePromptStep(promptRuntime, routePrompts));
    // The service needs the gateway (embeddings, answers) and the gateway's steps need the service: bound late.
    const bound: { knowledgeBases?: KnowledgeBaseService; gateway?: Gateway; answerGuardStep?: Step } = {};
    // Compiled before anything is served, so a bad regex or topic stops start-up naming the policy. Topics and
    // grounding embed with the catalog's `hash-embed` model (the local hashed-feature model unless overridden).
    const guardEmbedder = catalog.model('hash-embed')?.embedding;
    const guardrails = await GuardrailRegistry.create(config.guardrails, {
      embed: guardEmbedder ? embedFunctionFor(guardEmbedder) : localHashEmbed(),
      judgeFor: (model) => async (messages) => (await bound.gateway!.chat({ model, messages, params: { temperature: 0 } })).result.text,
    });
    const routeGuardrails = new Map(Object.entries(config.routes).flatMap(([name, r]) => (r.guardrail ? [[name, r.guardrail] as const] : [])));
    // after the route's prompt (the rendered text is what the model sees), before retrieval and the cache
    if (routeGuardrails.size > 0) steps.push(createGuardrailStep({ registry: guardrails, routes: routeGuardrails, metrics }));
    // knowledge bases' policies on retrieve-and-generate: inside the answer's generation call, so the record carries
    // the interventions; before the cache, budgets and limits, like the route policies (a pass-through otherwise)
    steps.push((ctx, next) => bound.answerGuardStep!(ctx, next));
    const routeKnowledgeBases = new Map<string, RouteKnowledgeBase>(Object.entries(config.routes).flatMap(([name, r]) => (r.knowledgeBase ? [[name, r.knowledgeBase] as const] : [])));
    // after the route's prompt (it may carry the question) and before the cache, so cached answers are keyed by their sources
    if (routeKnowledgeBases.size > 0) {
      steps.push(createKnowledgeBaseRouteStep({ routes: routeKnowledgeBases, retrieve: (p) => bound.knowledgeBases!.retrieve(p), prompts: promptRuntime, settings: config.rag, logger }));
    }
    let cacheStore: ResponseCacheStore | undefined;
    if (Object.values(config.routes).some((r) => r.cache)) {
      cacheStore = redis
        ? new RedisResponseCache(redis, { prefix: `${prefix}cache:`, writeDelayMs: config.cache.redisWriteDelayMs, onError: () => metrics.cacheErrors.inc({ backend: 'redis' }) })
        : new MemoryResponseCache({ maxBytes: config.cache.maxBytes });
      steps.push(createCacheStep({ store: cacheStore, catalog, clock: systemClock, logger, metrics, hashOutput: (r) => outputHashOf(hasher, r) }));
    }
    const budgetRules = Object.entries(config.budgets).map(([name, b]) => ({ name, ...b }));
    if (budgetRules.length > 0) {
      const spend = redis ? new RedisSpendStore(redis, `${prefix}budget:`) : new MemorySpendStore();
      const guard = new BudgetGuard({ rules: budgetRules, spend, store, logger, metrics });
      steps.push(createBudgetStep({ guard, catalog, logger, metrics }));
    }
    const longestMs = Math.max(config.server.requestDeadlineMs, ...Object.values(config.routes).map((r) => r.deadlineMs ?? 0));
    const limiter = new GatewayLimiter(
      {
        tenants: config.limits.tenants,
        keys: config.limits.keys,
        queue: config.limits.queue,
        models: config.models,
        leaseMs: longestMs + 30_000,
      },
      // on Redis, each replica serves from a small local share of every bucket (never more than the shared bucket gave)
      redis ? new LeasedRateStore(new RedisRateStore(redis, `${prefix}limits:`)) : new MemoryRateStore(),
      // and takes concurrency slots in blocks, handing them out locally (the admission queue waits on each answer)
      redis ? new LeasedConcurrencyStore(new RedisConcurrencyStore(redis, `${prefix}limits:`), { now: () => systemClock.now() }) : new MemoryConcurrencyStore(),
      systemClock,
      metrics,
      { batchCharges: redis !== undefined },
    );
    if (limiter.hasRequestLimits) steps.push(createRequestLimitsStep(limiter));
    const gateway = new Gateway({ catalog, hasher, logger, metrics, sink: writer, limiter }, steps);
    bound.gateway = gateway;
    // flushing the writer (shutdown, feedback looking up its answer's record) includes what the gateway holds back
    writer.addSource(() => gateway.flushFinished());
    const keys = new KeyStore(store, { cacheMs: config.auth.keyCacheMs });
    const knowledgeBases = createKnowledgeBaseService({ store, gateway, prompts: promptRuntime, config, logger, env, guardrails: answerGuardrailsOf(guardrails, metrics) });
    bound.knowledgeBases = knowledgeBases;
    bound.answerGuardStep = knowledgeBases.answerGuardStep;
    let closing: Promise<void> | undefined;
    return {
      config,
      store,
      gateway,
      metrics,
      logger,
      writer,
      keys,
      redis,
      storeDescription: store.description,
      promptRegistry,
      experiments,
      prompts: promptRuntime,
      knowledgeBases,
      guardrails,
      close() {
        closing ??= (async () => {
          await promptRuntime.close();
          await writer.close();
          await limiter.close();
          await catalog.close();
          await store.close();
          // the Redis cache's pending stores go out before the connection closes
          await cacheStore?.close?.();
          if (redis?.isOpen) await redis.close();
          flushInvocationLog(logger);
          logger.flush();
        })();
        return closing;
      },
    };
  } catch (e) {
    await promptBus?.close();
    await store.close();
    if (redis?.isOpen) redis.destroy();
    throw e;
  }
}

/**
 * The guardrail registry as retrieve-and-generate uses it (rag does not import guardrails): per request, one
 * pseudonym table for the question and the answer, and one trace whose interventions are merged and counted in
 * `strata_guardrail_interventions_total` the way the route step does it.
 */
export function answerGuardrailsOf(registry: GuardrailRegistry, metrics?: GatewayMetrics): NonNullable<KnowledgeBaseServiceDeps['guardrails']> {
  return {
    names: () => registry.names(),
    open(name, opts = {}) {
      const policy = registry.get(name);
      const trace = newGuardrailTrace(name);
      const pseudonyms = new PseudonymTable();
      const signal = opts.signal;
      return {
        policy: name,
        trace,
        async checkQuestion(text) {
          if (!policy.checks('INPUT')) return { text };
          const res = await policy.apply('INPUT', [{ text }], { pseudonyms, signal });
          addInterventions(trace, 'input', res.interventions, metrics);
          if (res.blockedMessage !== undefined) {
            trace.blocked = 'input';
            return { text: res.blockedMessage, blockedMessage: res.blockedMessage };
          }
          return { text: res.action === 'GUARDRAIL_INTERVENED' ? (res.outputs[0]?.text ?? text) : text };
        },
        screenPassages(passages) {
          if (policy.config.promptAttacks === undefined) return passages.map(() => true);
          const screening = policy.screenDocuments(passages);
          addInterventions(trace, 'documents', screening.interventions, metrics);
          return screening.keep;
        },
        async checkAnswer(text, grounding) {
          if (text === '' || !policy.checks('OUTPUT')) return { text };
          const res = await policy.apply('OUTPUT', [{ text }, ...groundingBlocks(grounding.sources, grounding.question)], { pseudonyms, signal });
          addInterventions(trace, 'output', res.interventions, metrics);
          const scores = groundingScores(res);
          if (scores) trace.grounding = scores;
          if (res.blockedMessage !== undefined) {
            trace.blocked = 'output';
            return { text: res.blockedMessage, blockedMessage: res.blockedMessage };
          }
          return { text: res.action === 'GUARDRAIL_INTERVENED' ? (res.outputs[0]?.text ?? text) : text };
        },
      };
    },
  };
}
