/** Stable error codes. Clients and dashboards key on these; never rename one. */
export type StrataErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'not_found'
  | 'model_not_found'
  | 'payload_too_large'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'guardrail_blocked'
  | 'upstream_throttled'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_model_error'
  | 'upstream_internal'
  | 'upstream_invalid_request'
  | 'upstream_access_denied'
  | 'upstream_not_found'
  | 'upstream_quota_exceeded'
  | 'upstream_stream_error'
  | 'upstream_connection'
  | 'deadline_exceeded'
  | 'circuit_open'
  | 'config_invalid'
  | 'internal';

export interface StrataErrorOptions {
  /** HTTP status the server answers with */
  status?: number;
  /** the same request may succeed if tried again on the same model */
  retryable?: boolean;
  /** the next model of a fallback chain may be tried */
  fallbackAllowed?: boolean;
  /** server-suggested wait (from Retry-After or the limiter) */
  retryAfterMs?: number;
  /** upstream exception or error type name, for records and debugging */
  upstreamType?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

const DEFAULT_STATUS: Record<StrataErrorCode, number> = {
  invalid_request: 400,
  invalid_json: 400,
  not_found: 404,
  model_not_found: 404,
  payload_too_large: 413,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  budget_exceeded: 429,
  guardrail_blocked: 400,
  upstream_throttled: 429,
  upstream_unavailable: 503,
  upstream_timeout: 504,
  upstream_model_error: 502,
  upstream_internal: 502,
  upstream_invalid_request: 400,
  upstream_access_denied: 502,
  upstream_not_found: 502,
  upstream_quota_exceeded: 429,
  upstream_stream_error: 502,
  upstream_connection: 502,
  deadline_exceeded: 504,
  circuit_open: 503,
  config_invalid: 500,
  internal: 500,
};

/** The one error type of Strata: a stable code, an HTTP status and a message a user can act on. */
export class StrataError extends Error {
  readonly code: StrataErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly fallbackAllowed: boolean;
  readonly retryAfterMs: number | undefined;
  readonly upstreamType: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: StrataErrorCode, message: string, opts: StrataErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'StrataError';
    this.code = code;
    this.status = opts.status ?? DEFAULT_STATUS[code];
    this.retryable = opts.retryable ?? false;
    this.fallbackAllowed = opts.fallbackAllowed ?? false;
    this.retryAfterMs = opts.retryAfterMs;
    this.upstreamType = opts.upstreamType;
    this.details = opts.details;
  }
}

export function isStrataError(e: unknown): e is StrataError {
  return e instanceof StrataError;
}

/** Wraps anything thrown into a StrataError without leaking internals into the message. */
export function toStrataError(e: unknown): StrataError {
  if (e instanceof StrataError) return e;
  if (e instanceof Error && e.name === 'AbortError') {
    return new StrataError('upstream_timeout', 'The request was aborted before the model answered.', {
      retryable: true,
      fallbackAllowed: true,
      cause: e,
    });
  }
  return new StrataError('internal', 'Internal error; see the server log for the invocation id.', { cause: e });
}
