import { StrataError, type ChatModel, type Clock, type EmbeddingModel } from '../core/index.js';
import { systemClock } from '../core/index.js';
import type { GatewayMetrics } from '../observe/index.js';
import { CircuitBreaker, type BreakerOptions } from './breaker.js';
import { resolvePrice, type ModelPrice } from './pricing.js';
import type { RetryPolicy } from './retry.js';
import type { ModelEntry, Priority, RouteCachePolicy, RoutePlan } from './types.js';

/** The parts of the config the catalog reads (structurally the validated strata.yaml). */
export interface CatalogModelConfig {
  provider: string;
  id: string;
  type?: 'chat' | 'embedding';
  equivalents?: string[];
  pricing?: ModelPrice;
}
export interface CatalogRouteConfig {
  models: string[];
  retry: RetryPolicy;
  attemptTimeoutMs: number;
  deadlineMs?: number;
  cache?: RouteCachePolicy;
}
export interface CatalogConfig {
  server: { requestDeadlineMs: number };
  models: Record<string, CatalogModelConfig>;
  routes: Record<string, CatalogRouteConfig>;
  breaker: BreakerOptions;
}

/** Builds the provider objects for one configured model. */
export type ModelFactory = (alias: string, model: CatalogModelConfig) => { chat?: ChatModel; embedding?: EmbeddingModel };

/** Retry and timeouts for requests that name a model alias directly instead of a route. */
const DIRECT_MODEL_POLICY = { retry: { maxAttempts: 3, baseMs: 100, capMs: 2000 }, attemptTimeoutMs: 30_000 };

const BREAKER_GAUGE = { closed: 0, half_open: 1, open: 2 } as const;

/** Configured models and routes, each model with its own circuit breaker. */
export class ModelCatalog {
  readonly #models = new Map<string, ModelEntry>();
  readonly #routes = new Map<string, RoutePlan>();
  readonly #resolved = new Map<string, { plan: RoutePlan; chain: ModelEntry[] }>();

  constructor(config: CatalogConfig, factory: ModelFactory, opts: { clock?: Clock; metrics?: GatewayMetrics } = {}) {
    const clock = opts.clock ?? systemClock;
    for (const [alias, m] of Object.entries(config.models)) {
      const built = factory(alias, m);
      const breaker = new CircuitBreaker(config.breaker, clock);
      const metrics = opts.metrics;
      if (metrics) {
        metrics.breakerState.set({ model: alias }, 0);
        breaker.onStateChange = (state) => {
          metrics.breakerState.set({ model: alias }, BREAKER_GAUGE[state]);
          metrics.breakerTransitions.inc({ model: alias, state });
        };
      }
      this.#models.set(alias, {
        alias,
        provider: m.provider,
        providerModelId: m.id,
        type: built.chat ? 'chat' : 'embedding',
        equivalents: m.equivalents ?? [],
        chat: built.chat,
        embedding: built.embedding,
        breaker,
        price: resolvePrice(m),
      });
    }
    for (const [name, r] of Object.entries(config.routes)) {
      this.#routes.set(name, {
        name,
        models: r.models,
        retry: r.retry,
        attemptTimeoutMs: r.attemptTimeoutMs,
        deadlineMs: r.deadlineMs ?? config.server.requestDeadlineMs,
        cache: r.cache,
      });
    }
    for (const alias of this.#models.keys()) {
      if (this.#routes.has(alias)) continue;
      this.#routes.set(alias, {
        name: alias,
        models: [alias],
        retry: DIRECT_MODEL_POLICY.retry,
        attemptTimeoutMs: Math.min(DIRECT_MODEL_POLICY.attemptTimeoutMs, config.server.requestDeadlineMs),
        deadlineMs: config.server.requestDeadlineMs,
      });
    }
  }

  model(alias: string): ModelEntry | undefined {
    return this.#models.get(alias);
  }

  models(): ModelEntry[] {
    return [...this.#models.values()];
  }

  /** Routes by name (model aliases are routes of one model unless a route has the same name). */
  routes(): RoutePlan[] {
    return [...this.#routes.values()];
  }

  /**
   * The plan and model chain for a request. `normal` requests use the route's chain as written;
   * `critical` ones use the primary model and only the models configured as its equivalents.
   */
  resolveChat(name: string, priority: Priority = 'normal'): { plan: RoutePlan; chain: ModelEntry[] } {
    // config is immutable for the catalog's life: resolve each (route, priority) once
    const key = priority === 'critical' ? `!${name}` : name;
    let resolved = this.#resolved.get(key);
    if (!resolved) {
      resolved = this.#resolveChatUncached(name, priority);
      this.#resolved.set(key, resolved);
    }
    return resolved;
  }

  #resolveChatUncached(name: string, priority: Priority): { plan: RoutePlan; chain: ModelEntry[] } {
    const plan = this.#routes.get(name);
    if (!plan) {
      throw new StrataError('model_not_found', `Unknown model or route '${name}'. GET /v1/models lists the ones configured.`, {
        details: { param: 'model' },
      });
    }
    const aliases = priority === 'critical' ? criticalChain(plan, this.#models) : plan.models;
    const chain: ModelEntry[] = [];
    for (const alias of aliases) {
      const entry = this.#models.get(alias);
      if (entry?.chat) chain.push(entry);
    }
    if (chain.length === 0) {
      throw new StrataError('invalid_request', `'${name}' is an embedding model; use /v1/embeddings for it.`, { details: { param: 'model' } });
    }
    return { plan, chain };
  }

  resolveEmbedding(name: string): { plan: RoutePlan; entry: ModelEntry } {
    const entry = this.#models.get(name);
    if (!entry) {
      throw new StrataError('model_not_found', `Unknown embedding model '${name}'. GET /v1/models lists the ones configured.`, {
        details: { param: 'model' },
      });
    }
    if (!entry.embedding) {
      throw new StrataError('invalid_request', `'${name}' is a chat model, not an embedding model.`, { details: { param: 'model' } });
    }
    return { plan: this.#routes.get(name)!, entry };
  }

  async close(): Promise<void> {
    await Promise.all(this.models().map(async (m) => {
      await m.chat?.close?.();
      await m.embedding?.close?.();
    }));
  }
}

function criticalChain(plan: RoutePlan, models: Map<string, ModelEntry>): string[] {
  const primary = plan.models[0]!;
  const out = [primary];
  for (const eq of models.get(primary)?.equivalents ?? []) if (!out.includes(eq)) out.push(eq);
  return out;
}
