import { LightAbortController, StrataError, toStrataError, type ClientLink, type Clock } from '../core/index.js';
import type { GatewayMetrics } from '../observe/index.js';
import { nextDelayMs } from './retry.js';
import type { ModelLease } from './limiter.js';
import type { ModelEntry, RoutePlan } from './types.js';

/** How one invocation went across models and attempts. */
export interface InvokeOutcome<T> {
  value: T;
  entry: ModelEntry;
  attempts: number;
  fallbacks: number;
  /** the model admission of the successful call; the caller ends it when the answer is complete */
  lease: ModelLease | undefined;
}

/** Mutable progress, readable even when the invocation fails (for the record). */
export interface InvokeProgress {
  attempts: number;
  fallbacks: number;
  lastModel: ModelEntry | undefined;
}

export interface InvokeOptions<T> {
  plan: RoutePlan;
  chain: ModelEntry[];
  /** absolute epoch ms after which nothing more is tried */
  deadline: number;
  /** the caller; when it goes away everything stops */
  client: ClientLink | undefined;
  clock: Clock;
  metrics: GatewayMetrics | undefined;
  progress: InvokeProgress;
  random?: () => number;
  /** one call to one model; must honour the signal */
  attempt: (entry: ModelEntry, signal: AbortSignal) => Promise<T>;
  /** admission before each call (model quotas, concurrency, adaptive throttle); a refusal moves on to the next model */
  admit?: (entry: ModelEntry, client: ClientLink | undefined) => ModelLease | undefined | Promise<ModelLease | undefined>;
}

type AbortCause = 'attempt_timeout' | 'deadline' | 'client';

class AttemptAbort extends Error {
  constructor(readonly kind: AbortCause) {
    super(kind);
    this.name = 'AbortError';
  }
}

/**
 * Retry ∘ breaker ∘ fallback over a chain of models.
 * Per model: up to `maxAttempts` calls while errors are retryable, with full-jitter backoff that honours
 * Retry-After; then the next model if the error allows fallback. An open breaker skips its model at once.
 * The deadline bounds everything; a client that goes away stops everything.
 */
export async function invokeWithFallback<T>(opts: InvokeOptions<T>): Promise<InvokeOutcome<T>> {
  const { plan, chain, deadline, client, clock, metrics, progress } = opts;
  const random = opts.random ?? Math.random;
  let lastError: StrataError | undefined;
  let skippedOpen = 0;
  let minRetryInMs = Number.POSITIVE_INFINITY;

  for (let i = 0; i < chain.length; i++) {
    const entry = chain[i]!;
    if (!entry.breaker.tryAcquire()) {
      skippedOpen++;
      minRetryInMs = Math.min(minRetryInMs, entry.breaker.retryInMs());
      continue;
    }
    if (progress.lastModel) {
      progress.fallbacks++;
      metrics?.fallbacks.inc({ route: plan.name, from: progress.lastModel.alias, to: entry.alias });
    }
    progress.lastModel = entry;
    for (let attemptNo = 1; attemptNo <= plan.retry.maxAttempts; attemptNo++) {
      // the first call went through the breaker above; a retry on the same model is a new call through it
      if (attemptNo > 1 && !entry.breaker.tryAcquire()) break;
      const remaining = deadline - clock.now();
      if (remaining <= 0) {
        entry.breaker.release();
        throw deadlineError(plan, lastError);
      }
      let lease: ModelLease | undefined;
      if (opts.admit) {
        try {
          const admitted = opts.admit(entry, client);
          lease = admitted instanceof Promise ? await admitted : admitted;
        } catch (e) {
          // a gateway limit on this model says nothing about its health: release the breaker, try the next model
          entry.breaker.release();
          lastError = toStrataError(e);
          if (client?.gone) throw lastError;
          break;
        }
      }
      progress.attempts++;
      if (attemptNo > 1) metrics?.retries.inc({ model: entry.alias });
      try {
        const value = await runAttempt(opts.attempt, entry, Math.min(plan.attemptTimeoutMs, remaining), remaining <= plan.attemptTimeoutMs, client);
        entry.breaker.onSuccess();
        metrics?.attempts.inc({ model: entry.alias, outcome: 'ok' });
        return { value, entry, attempts: progress.attempts, fallbacks: progress.fallbacks, lease };
      } catch (e) {
        const err = classify(e, plan, entry);
        lease?.done({ throttled: err.code === 'upstream_throttled' || err.code === 'upstream_quota_exceeded' });
        metrics?.attempts.inc({ model: entry.alias, outcome: err.code });
        if (err.code === 'deadline_exceeded' || (client?.gone ?? false)) {
          entry.breaker.release();
          throw err;
        }
        if (countsAgainstModel(err)) entry.breaker.onFailure();
        else entry.breaker.onSuccess();
        lastError = err;
        if (!err.retryable || attemptNo === plan.retry.maxAttempts) break;
        const delay = nextDelayMs(attemptNo, plan.retry, err.retryAfterMs, random);
        // a wait that would outlive the deadline is pointless: move on to the next model instead
        if (clock.now() + delay >= deadline) break;
        if (delay > 0) await clock.sleep(delay, client?.signal);
      }
    }
    if (lastError && !lastError.fallbackAllowed) throw lastError;
  }

  if (lastError) throw finalError(lastError, plan);
  if (skippedOpen > 0) {
    throw new StrataError(
      'circuit_open',
      `Every model of route '${plan.name}' is failing and temporarily skipped (circuit open); retry shortly.`,
      { retryAfterMs: Number.isFinite(minRetryInMs) ? Math.max(1000, minRetryInMs) : 1000 },
    );
  }
  throw new StrataError('internal', `Route '${plan.name}' has no model to call.`);
}

async function runAttempt<T>(
  attempt: (entry: ModelEntry, signal: AbortSignal) => Promise<T>,
  entry: ModelEntry,
  timeoutMs: number,
  timeoutIsDeadline: boolean,
  client: ClientLink | undefined,
): Promise<T> {
  const controller = new LightAbortController();
  const timer = setTimeout(() => controller.abort(new AttemptAbort(timeoutIsDeadline ? 'deadline' : 'attempt_timeout')), timeoutMs);
  let offClient: (() => void) | undefined;
  if (client) {
    if (client.gone) controller.abort(new AttemptAbort('client'));
    else offClient = client.onGone(() => controller.abort(new AttemptAbort('client')));
  }
  try {
    return await attempt(entry, controller.signal);
  } catch (e) {
    // whatever the provider threw, an abort we caused is reported as its cause
    const reason: unknown = controller.signal.reason;
    if (controller.signal.aborted && reason instanceof AttemptAbort) throw reason;
    throw e;
  } finally {
    clearTimeout(timer);
    offClient?.();
  }
}

function classify(e: unknown, plan: RoutePlan, entry: ModelEntry): StrataError {
  if (e instanceof AttemptAbort) {
    if (e.kind === 'attempt_timeout') {
      return new StrataError(
        'upstream_timeout',
        `Model '${entry.alias}' did not answer within the attempt timeout of ${plan.attemptTimeoutMs} ms.`,
        { retryable: true, fallbackAllowed: true },
      );
    }
    if (e.kind === 'deadline') return deadlineError(plan, undefined);
    return new StrataError('invalid_request', 'The client closed the request.', { status: 499 });
  }
  return toStrataError(e);
}

/** Errors that say the model is unhealthy; a rejected request (4xx of ours) says nothing about it. */
function countsAgainstModel(err: StrataError): boolean {
  return err.fallbackAllowed && err.code !== 'upstream_invalid_request';
}

function deadlineError(plan: RoutePlan, last: StrataError | undefined): StrataError {
  const tail = last ? ` The last upstream error was ${last.code}.` : '';
  return new StrataError('deadline_exceeded', `Route '${plan.name}' did not get an answer within its deadline of ${plan.deadlineMs} ms.${tail}`, {
    details: last ? { lastError: last.code } : undefined,
  });
}

/** The error the client sees when every model was tried. Throttling keeps its 429 and gets a Retry-After. */
function finalError(last: StrataError, plan: RoutePlan): StrataError {
  if (last.code === 'upstream_throttled' || last.code === 'upstream_quota_exceeded') {
    return new StrataError(
      last.code,
      `Every model of route '${plan.name}' is throttled upstream (${last.upstreamType ?? last.code}); retry after the indicated delay.`,
      { retryAfterMs: last.retryAfterMs ?? 1000, upstreamType: last.upstreamType, status: 429 },
    );
  }
  return last;
}
