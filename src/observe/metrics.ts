import { Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter as Counter, FastGauge as Gauge, FastHistogram as Histogram } from './fast-metrics.js';
import type { InvocationRecord } from '../core/index.js';

const DURATION_BUCKETS = [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

/**
 * Prometheus metrics. GenAI series follow the OpenTelemetry semantic conventions
 * (gen_ai.client.operation.duration, gen_ai.client.token.usage, gen_ai.server.time_to_first_token)
 * with dots turned into underscores; strata_* series cover what the conventions do not (retries, fallbacks, breakers).
 */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly operationDuration: Histogram<'gen_ai_operation_name' | 'gen_ai_system' | 'gen_ai_request_model' | 'gen_ai_response_model' | 'error_type'>;
  readonly tokenUsage: Histogram<'gen_ai_operation_name' | 'gen_ai_system' | 'gen_ai_request_model' | 'gen_ai_token_type'>;
  readonly timeToFirstToken: Histogram<'gen_ai_operation_name' | 'gen_ai_system' | 'gen_ai_request_model'>;
  readonly requests: Counter<'route' | 'model' | 'status' | 'code'>;
  readonly attempts: Counter<'model' | 'outcome'>;
  readonly retries: Counter<'model'>;
  readonly fallbacks: Counter<'route' | 'from' | 'to'>;
  readonly breakerState: Gauge<'model'>;
  readonly breakerTransitions: Counter<'model' | 'state'>;
  readonly recordsDropped: Counter<never>;
  readonly inFlight: Gauge<never>;
  readonly authFailures: Counter<'reason'>;
  readonly rateLimited: Counter<'scope' | 'limit'>;
  readonly admissionWait: Histogram<'model'>;
  readonly adaptiveRate: Gauge<'model'>;
  readonly adaptiveDecreases: Counter<'model'>;
  readonly cacheRequests: Counter<'route' | 'result'>;
  readonly cacheHitRatio: Gauge<'route'>;
  readonly cacheErrors: Counter<'backend'>;
  readonly budgetSpend: Gauge<'budget' | 'scope'>;
  readonly budgetAlerts: Counter<'budget' | 'threshold'>;
  readonly budgetActions: Counter<'budget' | 'action'>;
  readonly guardrailInterventions: Counter<'policy' | 'check' | 'action' | 'side'>;
  readonly #cacheCounts = new Map<string, { hits: number; lookups: number }>();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    this.registry = new Registry();
    const registry = this.registry;
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.operationDuration = new Histogram({
      name: 'gen_ai_client_operation_duration_seconds',
      help: 'GenAI operation duration as seen by the gateway client side, including retries and fallbacks',
      labelNames: ['gen_ai_operation_name', 'gen_ai_system', 'gen_ai_request_model', 'gen_ai_response_model', 'error_type'],
      buckets: DURATION_BUCKETS,
      registry,
    });
    this.tokenUsage = new Histogram({
      name: 'gen_ai_client_token_usage',
      help: 'Tokens used per GenAI operation, by token type (input, output)',
      labelNames: ['gen_ai_operation_name', 'gen_ai_system', 'gen_ai_request_model', 'gen_ai_token_type'],
      buckets: TOKEN_BUCKETS,
      registry,
    });
    this.timeToFirstToken = new Histogram({
      name: 'gen_ai_server_time_to_first_token_seconds',
      help: 'Time from request arrival to the first streamed token',
      labelNames: ['gen_ai_operation_name', 'gen_ai_system', 'gen_ai_request_model'],
      buckets: DURATION_BUCKETS,
      registry,
    });
    this.requests = new Counter({
      name: 'strata_requests_total',
      help: 'Gateway requests by route, answering model, status and error code',
      labelNames: ['route', 'model', 'status', 'code'],
      registry,
    });
    this.attempts = new Counter({
      name: 'strata_upstream_attempts_total',
      help: 'Upstream calls by model and outcome (ok or error code)',
      labelNames: ['model', 'outcome'],
      registry,
    });
    this.retries = new Counter({
      name: 'strata_retries_total',
      help: 'Retries of an upstream call on the same model',
      labelNames: ['model'],
      registry,
    });
    this.fallbacks = new Counter({
      name: 'strata_fallbacks_total',
      help: 'Moves from one model of a route chain to the next',
      labelNames: ['route', 'from', 'to'],
      registry,
    });
    this.breakerState = new Gauge({
      name: 'strata_circuit_breaker_state',
      help: 'Circuit breaker state per model: 0 closed, 1 half-open, 2 open',
      labelNames: ['model'],
      registry,
    });
    this.breakerTransitions = new Counter({
      name: 'strata_circuit_breaker_transitions_total',
      help: 'Circuit breaker state changes per model',
      labelNames: ['model', 'state'],
      registry,
    });
    this.recordsDropped = new Counter({
      name: 'strata_invocation_records_dropped_total',
      help: 'Invocation records that could not be stored',
      registry,
    });
    this.inFlight = new Gauge({ name: 'strata_requests_in_flight', help: 'Requests being served', registry });
    this.authFailures = new Counter({ name: 'strata_auth_failures_total', help: 'Requests refused for a missing, malformed, unknown or revoked key, or a role without the permission', labelNames: ['reason'], registry });
    this.rateLimited = new Counter({
      name: 'strata_rate_limited_total',
      help: 'Requests refused with 429 by a gateway limit, by scope (tenant, key, model) and limit (rpm, tpm, concurrency)',
      labelNames: ['scope', 'limit'],
      registry,
    });
    this.admissionWait = new Histogram({ name: 'strata_admission_wait_seconds', help: 'Time a request waited for a model slot or rate before it was sent', labelNames: ['model'], buckets: DURATION_BUCKETS, registry });
    this.adaptiveRate = new Gauge({
      name: 'strata_adaptive_rate_rpm',
      help: 'Send rate the adaptive throttle allows per model after upstream throttling (requests/minute; 0 = not limiting)',
      labelNames: ['model'],
      registry,
    });
    this.adaptiveDecreases = new Counter({ name: 'strata_adaptive_decreases_total', help: 'Times the adaptive throttle lowered a model\'s send rate', labelNames: ['model'], registry });
    this.cacheRequests = new Counter({ name: 'strata_cache_requests_total', help: 'Response cache lookups by route and result (hit, miss, bypass)', labelNames: ['route', 'result'], registry });
    this.cacheHitRatio = new Gauge({ name: 'strata_cache_hit_ratio', help: 'Hits / (hits + misses) of the response cache per route since start', labelNames: ['route'], registry });
    this.cacheErrors = new Counter({ name: 'strata_cache_errors_total', help: 'Response cache operations that failed (treated as misses)', labelNames: ['backend'], registry });
    this.budgetSpend = new Gauge({ name: 'strata_budget_spend_usd', help: 'Spend counted against a budget in its current window', labelNames: ['budget', 'scope'], registry });
    this.budgetAlerts = new Counter({ name: 'strata_budget_alerts_total', help: 'Budget thresholds crossed (once per window and threshold)', labelNames: ['budget', 'threshold'], registry });
    this.budgetActions = new Counter({ name: 'strata_budget_actions_total', help: 'Requests blocked or downgraded by a budget', labelNames: ['budget', 'action'], registry });
    this.guardrailInterventions = new Counter({
      name: 'strata_guardrail_interventions_total',
      help: 'Guardrail findings on the request path by policy, check (pii, topic, word, prompt_attack, grounding …), action (BLOCKED, ANONYMIZED, DETECTED) and side (input, output, documents)',
      labelNames: ['policy', 'check', 'action', 'side'],
      registry,
    });
  }

  /** Counts a response-cache lookup and keeps the per-route hit ratio current. */
  observeCache(route: string, result: 'hit' | 'miss' | 'bypass'): void {
    this.cacheRequests.inc({ route, result });
    if (result === 'bypass') return;
    let c = this.#cacheCounts.get(route);
    if (!c) {
      c = { hits: 0, lookups: 0 };
      this.#cacheCounts.set(route, c);
    }
    c.lookups++;
    if (result === 'hit') c.hits++;
    this.cacheHitRatio.set({ route }, c.hits / c.lookups);
  }

  /** Counts one finished invocation. */
  observeInvocation(rec: InvocationRecord, provider: string, operation: 'chat' | 'embeddings'): void {
    const model = rec.modelAnswered ?? rec.modelRequested;
    this.requests.inc({ route: rec.route, model, status: rec.status, code: rec.errorCode ?? '' });
    this.operationDuration.observe(
      {
        gen_ai_operation_name: operation,
        gen_ai_system: provider,
        gen_ai_request_model: rec.modelRequested,
        gen_ai_response_model: rec.modelAnswered ?? '',
        error_type: rec.errorCode ?? '',
      },
      rec.latencyMs / 1000,
    );
    if (rec.status === 'ok') {
      const m = rec.modelRequested;
      this.tokenUsage.observe({ gen_ai_operation_name: operation, gen_ai_system: provider, gen_ai_request_model: m, gen_ai_token_type: 'input' }, rec.inputTokens);
      if (operation === 'chat') {
        this.tokenUsage.observe({ gen_ai_operation_name: operation, gen_ai_system: provider, gen_ai_request_model: m, gen_ai_token_type: 'output' }, rec.outputTokens);
      }
      if (rec.ttftMs !== null) this.timeToFirstToken.observe({ gen_ai_operation_name: operation, gen_ai_system: provider, gen_ai_request_model: m }, rec.ttftMs / 1000);
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
