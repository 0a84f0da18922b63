import { StrataError, parseRetryAfter, type StrataErrorCode } from '../../core/index.js';

/**
 * Error mapping for OpenAI-compatible servers. Messages name the HTTP status and the server's error type or
 * code (short identifiers) but never the server's free-text message, which can quote request content.
 */

export type ResponseHeaders = Record<string, string | string[] | undefined>;

function header(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Server-suggested wait from `retry-after-ms` (OpenAI) or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: ResponseHeaders, now = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.round(n);
  }
  return parseRetryAfter(header(headers, 'retry-after'), now);
}

function shortId(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v.length === 0 || v.length > 64 || !/^[\w.:-]+$/.test(v)) return undefined;
  return v;
}

/** The `type`/`code` identifiers of an OpenAI error body `{error: {type, code}}` (or a flat one). */
function errorIdentifiers(body: unknown): { type?: string; code?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const outer = body as Record<string, unknown>;
  const inner = typeof outer.error === 'object' && outer.error !== null ? (outer.error as Record<string, unknown>) : outer;
  return { type: shortId(inner.type), code: shortId(inner.code) };
}

interface Mapping {
  code: StrataErrorCode;
  retryable: boolean;
  fallbackAllowed: boolean;
  what: string;
}

function classify(status: number, errCode: string | undefined): Mapping {
  if (status === 429) {
    if (errCode === 'insufficient_quota') {
      return { code: 'upstream_quota_exceeded', retryable: false, fallbackAllowed: true, what: 'reports the account quota is exhausted' };
    }
    return { code: 'upstream_throttled', retryable: true, fallbackAllowed: true, what: 'is throttling requests' };
  }
  if (status === 402) {
    return { code: 'upstream_quota_exceeded', retryable: false, fallbackAllowed: true, what: 'requires payment or more quota' };
  }
  if (status === 408) return { code: 'upstream_timeout', retryable: true, fallbackAllowed: true, what: 'timed out' };
  if (status === 400 || status === 422 || status === 413) {
    return { code: 'upstream_invalid_request', retryable: false, fallbackAllowed: false, what: 'rejected the request as invalid' };
  }
  if (status === 401 || status === 403) {
    return { code: 'upstream_access_denied', retryable: false, fallbackAllowed: true, what: 'denied access (check the API key)' };
  }
  if (status === 404) {
    return { code: 'upstream_not_found', retryable: false, fallbackAllowed: true, what: 'does not know the model or endpoint' };
  }
  if (status === 502 || status === 503 || status === 504) {
    return { code: 'upstream_unavailable', retryable: true, fallbackAllowed: true, what: 'is unavailable' };
  }
  if (status >= 500) return { code: 'upstream_internal', retryable: true, fallbackAllowed: true, what: 'had an internal error' };
  return { code: 'upstream_invalid_request', retryable: false, fallbackAllowed: false, what: 'refused the request' };
}

/** Maps a non-2xx response of an OpenAI-compatible server to a StrataError (code, retry and fallback policy). */
export function mapOpenAIError(status: number, body: unknown, headers: ResponseHeaders = {}): StrataError {
  const ids = errorIdentifiers(body);
  const m = classify(status, ids.code);
  const label = [ids.type, ids.code].filter((x) => x !== undefined).join('/');
  const message = `The OpenAI-compatible model server ${m.what} (HTTP ${status}${label ? `, ${label}` : ''}).`;
  return new StrataError(m.code, message, {
    retryable: m.retryable,
    fallbackAllowed: m.fallbackAllowed,
    retryAfterMs: m.code === 'upstream_throttled' || m.code === 'upstream_unavailable' ? retryAfterMs(headers) : undefined,
    upstreamType: ids.code ?? ids.type ?? `http_${status}`,
    details: { upstreamStatus: status },
  });
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

function errorCode(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && depth < 4; depth++) {
    if (typeof cur !== 'object') break;
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Maps a transport failure (refused, reset, socket closed, timeouts) to a retryable StrataError. */
export function connectionError(e: unknown): StrataError {
  const code = errorCode(e);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new StrataError('upstream_timeout', `The OpenAI-compatible model server did not answer in time (${code}).`, {
      retryable: true,
      fallbackAllowed: true,
      upstreamType: code,
      cause: e,
    });
  }
  return new StrataError(
    'upstream_connection',
    `Could not talk to the OpenAI-compatible model server${code ? ` (${code})` : ''}.`,
    { retryable: true, fallbackAllowed: true, upstreamType: code ?? 'connection_error', cause: e },
  );
}

/** An error reported or caused mid-stream: the partial answer is unusable, another attempt may succeed. */
export function streamError(reason: string, body?: unknown, cause?: unknown): StrataError {
  const ids = errorIdentifiers(body);
  const label = [ids.type, ids.code].filter((x) => x !== undefined).join('/');
  return new StrataError('upstream_stream_error', `The model server's stream failed: ${reason}${label ? ` (${label})` : ''}.`, {
    retryable: true,
    fallbackAllowed: true,
    upstreamType: ids.code ?? ids.type ?? 'stream_error',
    cause,
  });
}
