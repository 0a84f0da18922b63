import { StrataError, parseRetryAfter, type StrataErrorCode } from '../../core/index.js';

interface ErrorRule {
  code: StrataErrorCode;
  status: number;
  retryable: boolean;
  fallbackAllowed: boolean;
  message: string;
}

/**
 * Bedrock exception → Strata error. Choices worth a note:
 * - ModelErrorException is retryable: Bedrock raises it for transient failures inside the model
 *   container (its originalStatusCode is usually 5xx), and a second attempt usually succeeds.
 * - AccessDenied / ResourceNotFound / ServiceQuotaExceeded are not retryable on the same model, but a
 *   fallback model may be enabled, present or under quota.
 * - ValidationException is the caller's request: neither a retry nor another model will fix it.
 */
const RULES: Record<string, ErrorRule> = {
  ThrottlingException: { code: 'upstream_throttled', status: 429, retryable: true, fallbackAllowed: true, message: 'Bedrock throttled the request (requests or tokens per minute for this model). Retry after a pause or raise the quota.' },
  ServiceUnavailableException: { code: 'upstream_unavailable', status: 503, retryable: true, fallbackAllowed: true, message: 'Bedrock is temporarily unavailable for this model. Retry later or use a fallback model.' },
  ModelNotReadyException: { code: 'upstream_unavailable', status: 503, retryable: true, fallbackAllowed: true, message: 'The Bedrock model is not ready to serve requests yet. Retry shortly.' },
  ModelTimeoutException: { code: 'upstream_timeout', status: 504, retryable: true, fallbackAllowed: true, message: 'The Bedrock model timed out while processing the request. Retry, or shorten the prompt or max tokens.' },
  ModelErrorException: { code: 'upstream_model_error', status: 502, retryable: true, fallbackAllowed: true, message: 'The Bedrock model failed while processing the request. Retry or use a fallback model.' },
  InternalServerException: { code: 'upstream_internal', status: 502, retryable: true, fallbackAllowed: true, message: 'Bedrock had an internal error. Retry or use a fallback model.' },
  ValidationException: { code: 'upstream_invalid_request', status: 400, retryable: false, fallbackAllowed: false, message: 'Bedrock rejected the request as invalid; check the messages and parameters against the model\'s limits.' },
  AccessDeniedException: { code: 'upstream_access_denied', status: 502, retryable: false, fallbackAllowed: true, message: 'Bedrock denied access to this model. Enable model access in the Bedrock console or grant bedrock:InvokeModel to the credentials in use.' },
  ResourceNotFoundException: { code: 'upstream_not_found', status: 502, retryable: false, fallbackAllowed: true, message: 'Bedrock does not know this model id in this region. Check the model id, inference profile and region.' },
  ServiceQuotaExceededException: { code: 'upstream_quota_exceeded', status: 429, retryable: false, fallbackAllowed: true, message: 'The request exceeds a Bedrock service quota for this account. Request a quota increase or use a fallback model.' },
  ModelStreamErrorException: { code: 'upstream_stream_error', status: 502, retryable: true, fallbackAllowed: true, message: 'The Bedrock model stream failed mid-response. Retry the request.' },
};

const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_SESSION_ERROR', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_STREAM_PREMATURE_CLOSE']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'TimeoutError', 'RequestTimeout']);

/** Lowercase-first stream member names (throttlingException) → exception names (ThrottlingException). */
function exceptionName(name: string): string {
  return name.length > 0 && name[0] !== name[0]!.toUpperCase() && name.endsWith('Exception') ? name[0]!.toUpperCase() + name.slice(1) : name;
}

function retryAfterMsOf(err: Record<string, unknown>): number | undefined {
  const res = err.$response as { headers?: Record<string, string | undefined> } | undefined;
  return parseRetryAfter(res?.headers?.['retry-after']);
}

/** Maps anything the Bedrock SDK throws (exceptions, stream exceptions, network errors, aborts) to a StrataError. */
export function mapBedrockError(err: unknown, modelId: string): StrataError {
  if (err instanceof StrataError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const name = exceptionName(typeof e.name === 'string' ? e.name : '');
  const details = { modelId };
  const rule = RULES[name];
  if (rule !== undefined) {
    const retryAfterMs = retryAfterMsOf(e);
    return new StrataError(rule.code, `${rule.message} (model ${modelId})`, {
      status: rule.status,
      retryable: rule.retryable,
      fallbackAllowed: rule.fallbackAllowed,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      upstreamType: name,
      cause: err,
      details,
    });
  }
  const code = typeof e.code === 'string' ? e.code : '';
  // The SDK names socket errors TimeoutError too, so the socket code decides first.
  if (CONNECTION_CODES.has(code) || /socket hang up|ECONNRESET|ECONNREFUSED|premature close/i.test(typeof e.message === 'string' ? e.message : '')) {
    return new StrataError('upstream_connection', `The connection to Bedrock for model ${modelId} failed (${code || 'connection error'}). Check the endpoint and network, then retry.`, {
      retryable: true,
      fallbackAllowed: true,
      upstreamType: code || name || 'ConnectionError',
      cause: err,
      details,
    });
  }
  if (name === 'AbortError' || name === 'TimeoutError' || TIMEOUT_CODES.has(code) || TIMEOUT_CODES.has(name)) {
    return new StrataError('upstream_timeout', `The request to Bedrock model ${modelId} was aborted or timed out before it answered. Retry, or raise the timeout.`, {
      retryable: true,
      fallbackAllowed: true,
      upstreamType: name || code || 'AbortError',
      cause: err,
      details,
    });
  }
  const fault = e.$fault;
  const status = (e.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode;
  if (fault === 'server' || (status !== undefined && status >= 500)) {
    return new StrataError('upstream_internal', `Bedrock returned an unexpected server error${name === '' ? '' : ` (${name})`} for model ${modelId}. Retry or use a fallback model.`, {
      retryable: true,
      fallbackAllowed: true,
      upstreamType: name || 'UnknownError',
      cause: err,
      details,
    });
  }
  if (fault === 'client' || (status !== undefined && status >= 400)) {
    return new StrataError('upstream_invalid_request', `Bedrock rejected the request${name === '' ? '' : ` (${name})`} for model ${modelId}.`, {
      status: 400,
      upstreamType: name || 'UnknownError',
      cause: err,
      details,
    });
  }
  // Anything else (e.g. an unreadable response) is treated as an upstream fault, not ours.
  return new StrataError('upstream_internal', `Calling Bedrock model ${modelId} failed unexpectedly${name === '' ? '' : ` (${name})`}. Retry, or check the endpoint.`, {
    retryable: true,
    fallbackAllowed: true,
    upstreamType: name || 'UnknownError',
    cause: err,
    details,
  });
}
