import type { IncomingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { StrataError } from '../../core/index.js';
import { connectionError, mapOpenAIError } from './errors.js';

/**
 * One keep-alive undici Pool per origin, shared by every model on that server and reference-counted so that
 * closing one model does not cut the others' connections.
 */

const POOL_OPTIONS: Pool.Options = {
  connections: 128,
  pipelining: 1,
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
  // Deadlines belong to the gateway (via AbortSignal); these only catch servers that hang forever.
  headersTimeout: 600_000,
  bodyTimeout: 600_000,
};

interface PoolEntry {
  pool: Pool;
  refs: number;
}

const pools = new Map<string, PoolEntry>();

/** A parsed base URL: the pool's origin and the path prefix requests are sent under. */
export interface OpenAIEndpoint {
  origin: string;
  basePath: string;
}

/** Parses `http(s)://host:port/prefix` into origin and path prefix; bad URLs are a config error. */
export function parseBaseUrl(baseUrl: string): OpenAIEndpoint {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new StrataError('config_invalid', 'The OpenAI-compatible model baseUrl is not a valid URL.', {
      details: { baseUrl },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StrataError('config_invalid', 'The OpenAI-compatible model baseUrl must use http or https.', {
      details: { baseUrl },
    });
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

/** Takes a reference on the shared pool for an origin (creating it on first use). */
export function acquirePool(origin: string): Pool {
  let entry = pools.get(origin);
  if (!entry) {
    entry = { pool: new Pool(origin, POOL_OPTIONS), refs: 0 };
    pools.set(origin, entry);
  }
  entry.refs++;
  return entry.pool;
}

/** Drops a reference; the last one closes the pool's connections. */
export async function releasePool(origin: string, pool: Pool): Promise<void> {
  const entry = pools.get(origin);
  if (!entry || entry.pool !== pool) return;
  entry.refs--;
  if (entry.refs <= 0) {
    pools.delete(origin);
    await pool.close();
  }
}

/** Builds the fixed request headers of a model once, so the hot path does not rebuild them. */
export function baseHeaders(apiKey: string | undefined, extra: Record<string, string> | undefined): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (extra) for (const [k, v] of Object.entries(extra)) h[k.toLowerCase()] = v;
  if (apiKey) h.authorization = `Bearer ${apiKey}`;
  return h;
}

function abortedError(cause: unknown): StrataError {
  return new StrataError('upstream_timeout', 'The request to the model server was aborted before it answered.', {
    retryable: true,
    fallbackAllowed: true,
    cause,
  });
}

/** Maps anything thrown while talking to the server (connection, abort, timeouts) to a StrataError. */
export function transportError(e: unknown, signal: AbortSignal | undefined): StrataError {
  if (e instanceof StrataError) return e;
  if (signal?.aborted) return abortedError(e);
  return connectionError(e);
}

/** A whole response of a POST, its body as text. */
export interface TextResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * POSTs a JSON body and resolves with the whole response once it has arrived; a status other than 2xx is
 * read and mapped to a StrataError. For answers read whole (chat without streaming, embeddings): undici's
 * dispatch with a handler that gathers the chunks skips the request API's body stream and its consumers,
 * measured ~5 µs a call on the gateway's path. Streams keep postJson.
 */
export function postJsonText(pool: Pool, path: string, headers: Record<string, string>, body: string, signal: AbortSignal | undefined): Promise<TextResponse> {
  return new Promise<TextResponse>((resolve, reject) => {
    if (signal?.aborted) {
      reject(transportError(signal.reason, signal));
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let statusCode = 0;
    let resHeaders: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let settled = false;
    const onAbort = (): void => {
      const reason = signal!.reason instanceof Error ? signal!.reason : new Error('aborted');
      controller?.abort(reason);
    };
    const finish = (err: unknown, value?: TextResponse): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err !== undefined) {
        reject(transportError(err, signal));
        return;
      }
      const res = value!;
      if (res.statusCode >= 200 && res.statusCode < 300) {
        resolve(res);
        return;
      }
      reject(errorResponse(res.statusCode, res.text, res.headers));
    };
    signal?.addEventListener('abort', onAbort);
    pool.dispatch(
      { method: 'POST', path, headers, body },
      {
        onRequestStart(c) {
          controller = c;
          if (signal?.aborted) onAbort();
        },
        onResponseStart(_c, status, h) {
          statusCode = status;
          resHeaders = h;
        },
        onResponseData(_c, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
          finish(undefined, { statusCode, headers: resHeaders, text });
        },
        onResponseError(_c, err) {
          finish(err);
        },
      },
    );
  });
}

/**
 * POSTs a JSON body and returns the response when the status is 2xx; other statuses are read and mapped to a
 * StrataError. The caller must consume or destroy the returned body.
 */
export async function postJson(
  pool: Pool,
  path: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal | undefined,
): Promise<Dispatcher.ResponseData> {
  let res: Dispatcher.ResponseData;
  try {
    res = await pool.request({ method: 'POST', path, headers, body, signal });
  } catch (e) {
    throw transportError(e, signal);
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res;
  let text: string;
  try {
    text = await res.body.text();
  } catch (e) {
    throw transportError(e, signal);
  }
  throw errorResponse(res.statusCode, text, res.headers);
}

/** A non-2xx answer as a StrataError: its body read as JSON when it is JSON, as text otherwise. */
function errorResponse(status: number, text: string, headers: IncomingHttpHeaders): StrataError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    parsed = text;
  }
  return mapOpenAIError(status, parsed, headers);
}
