import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientGone, StrataError, newId, toStrataError } from '../core/index.js';
import type { Caller, GuardrailTrace, InvocationMeta, Priority } from '../gateway/index.js';
import { assertMayUse, assertPermission, assertTenantName, type Permission } from '../compliance/index.js';
import { principalOf } from './auth.js';
import type { Logger } from '../observe/index.js';
import { TAG_KEY_PATTERN } from '../store/index.js';

/** Reads `x-strata-priority` (critical | normal; absent = normal). */
export function parsePriority(v: string | string[] | undefined): Priority {
  if (v === undefined || v === 'normal') return 'normal';
  if (v === 'critical') return v;
  throw new StrataError('invalid_request', "x-strata-priority must be 'critical' or 'normal'.");
}

const TAG_VALUE_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const MAX_TAGS = 10;

/**
 * Reads `x-strata-tags: feature=chat,segment=pro` (absent = no tags). At most 10 tags, keys
 * `[a-z][a-z0-9_]{0,31}`, values 1–64 of `[A-Za-z0-9._:-]`, no key twice; anything else is a 400.
 */
export function parseTags(v: string | string[] | undefined): Record<string, string> {
  if (v === undefined) return {};
  const text = Array.isArray(v) ? v.join(',') : v;
  const tags: Record<string, string> = {};
  if (text.trim() === '') return tags;
  const pairs = text.split(',');
  if (pairs.length > MAX_TAGS) {
    throw new StrataError('invalid_request', `x-strata-tags has ${pairs.length} tags; at most ${MAX_TAGS} are allowed.`);
  }
  for (const raw of pairs) {
    const pair = raw.trim();
    const eq = pair.indexOf('=');
    if (eq < 0) throw new StrataError('invalid_request', `x-strata-tags: '${pair.slice(0, 80)}' is not key=value.`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (!TAG_KEY_PATTERN.test(key)) {
      throw new StrataError('invalid_request', `x-strata-tags: invalid key '${key.slice(0, 40)}'; keys are 1-32 of a-z, 0-9 and '_', starting with a letter.`);
    }
    if (!TAG_VALUE_PATTERN.test(value)) {
      throw new StrataError('invalid_request', `x-strata-tags: invalid value for '${key}'; values are 1-64 of A-Z, a-z, 0-9, '.', '_', ':' and '-'.`);
    }
    if (Object.hasOwn(tags, key)) throw new StrataError('invalid_request', `x-strata-tags: key '${key}' appears more than once.`);
    tags[key] = value;
  }
  return tags;
}

/** A signal that aborts the gateway call when the client goes away before the response is finished. */
export function abortOnClose(reply: FastifyReply): AbortSignal {
  return clientOnClose(reply).signal;
}

/** The x-strata-* response headers of a served invocation. */
export function strataHeaders(meta: InvocationMeta): Record<string, string> {
  const headers: Record<string, string> = {
    'x-strata-invocation-id': meta.invocationId,
    'x-strata-model': meta.model,
    'x-strata-attempts': String(meta.attempts),
    'x-strata-cache': meta.cache,
  };
  if (meta.prompt !== undefined) headers['x-strata-prompt'] = meta.prompt;
  if (meta.guardrail !== undefined) addGuardrailHeaders(headers, meta.guardrail);
  return headers;
}

/**
 * x-strata-guardrail (the policy, whenever there is one), x-strata-guardrail-action (its verdict, only once
 * final: a stream's output checks end after the headers are sent, and its finish reason tells the client
 * instead) and x-strata-grounding (the scores, when the policy computed them).
 */
export function addGuardrailHeaders(headers: Record<string, string>, g: Pick<GuardrailTrace, 'policy' | 'action' | 'grounding' | 'settled'>): void {
  headers['x-strata-guardrail'] = g.policy;
  if (g.settled) headers['x-strata-guardrail-action'] = g.action;
  if (g.grounding !== undefined) headers['x-strata-grounding'] = `grounding=${g.grounding.grounding}, relevance=${g.grounding.relevance}`;
}

/** Fastify's own errors (body parsing, limits, content type) in our vocabulary; anything else passes through. */
export function fromFastifyError(error: unknown): StrataError {
  if (error instanceof StrataError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string; name?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new StrataError('payload_too_large', 'The request body is larger than the server accepts (server.bodyLimitBytes).');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new StrataError('invalid_request', 'Send the body as JSON with content-type: application/json.', { status: 415 });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new StrataError('invalid_json', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new StrataError('invalid_request', 'The content-length header does not match the body.');
    default:
      break;
  }
  if (e.name === 'SyntaxError' || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new StrataError('invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new StrataError('invalid_request', e.message ?? 'Bad request.', { status: e.statusCode });
  }
  return toStrataError(error);
}

/**
 * An error handler's first half, shared by every scope: the error in our vocabulary, and an unexpected one
 * (code 'internal') logged with its name, message, stack and route — never the request's content.
 */
export function toHandledError(error: unknown, request: FastifyRequest, logger: Logger | undefined): StrataError {
  const err = fromFastifyError(error);
  if (err.code === 'internal') {
    const e = error as Error;
    logger?.error({ err: { name: e.name, message: e.message, stack: e.stack }, path: request.routeOptions.url }, 'unhandled error');
  }
  return err;
}

/** Retry-After (whole seconds, at least 1) for errors that carry a wait. */
export function retryAfterSeconds(err: StrataError): string | undefined {
  if (err.retryAfterMs === undefined || (err.status !== 429 && err.status !== 503)) return undefined;
  return String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
}

/** The gateway caller of a request that passed the auth hook: tenant, key and allow-lists from its API key. */
export function callerOf(request: FastifyRequest): Caller {
  const p = request.principal;
  if (!p) return { tenant: 'default' };
  if (p.keyId === 'no-auth') return { tenant: p.tenant };
  if (p.models === null && p.routes === null && p.role !== 'auditor') return { tenant: p.tenant, keyId: p.keyId };
  return { tenant: p.tenant, keyId: p.keyId, authorize: (route, models) => assertMayUse(p, route, models) };
}

/** Reads `x-strata-subject` (the end user an experiment keeps sticky): 1-200 printable characters. */
export function parseSubject(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v) || v.length === 0 || v.length > 200 || /\p{Cc}/u.test(v)) {
    throw new StrataError('invalid_request', 'x-strata-subject must be one value of 1-200 printable characters.');
  }
  return v;
}

/** Reads `cache-control: no-cache | no-store` (other directives are ignored). */
export function parseCacheControl(v: string | string[] | undefined): 'no-cache' | 'no-store' | undefined {
  if (v === undefined) return undefined;
  const text = (Array.isArray(v) ? v.join(',') : v).toLowerCase();
  if (text.includes('no-store')) return 'no-store';
  if (text.includes('no-cache')) return 'no-cache';
  return undefined;
}

/** A ClientLink that reports the client going away before the response is finished. */
export function clientOnClose(reply: FastifyReply): ClientGone {
  const res = reply.raw;
  // watched from the first time the gateway asks (an upstream call), not for every request
  return new ClientGone((goAway) => {
    if (res.writableFinished) return;
    if (res.destroyed || res.socket?.destroyed === true) {
      goAway();
      return;
    }
    res.once('close', () => {
      if (!res.writableFinished) goAway();
    });
  });
}

/** The fields object: a class, so the lazy `signal` getter lives on the prototype (an object literal with an accessor costs ~0.5 µs to make). */
class HttpExchangeFields {
  constructor(
    public priority: Priority,
    public tags: Record<string, string>,
    public caller: Caller,
    public cacheControl: 'no-cache' | 'no-store' | undefined,
    public subject: string | undefined,
    public client: ClientGone,
    public invocationId: string,
  ) {}

  get signal(): AbortSignal {
    return this.client.signal;
  }
}

/** The parts of a gateway request that come from the HTTP exchange rather than the body's wire format. */
export interface ExchangeFields {
  priority: Priority;
  tags: Record<string, string>;
  caller: Caller;
  cacheControl: 'no-cache' | 'no-store' | undefined;
  subject: string | undefined;
  client: ClientGone;
  /** the client's AbortSignal, made when first read (a prototype getter: copy the object with Object.assign, never a spread, which drops it) */
  readonly signal: AbortSignal;
  invocationId: string;
}

/** The parts of a gateway request that come from the HTTP exchange rather than the body's wire format. */
export function exchangeFields(request: FastifyRequest, reply: FastifyReply): ExchangeFields {
  const invocationId = newId('inv');
  // set now so that a refusal (rate limit, budget, forbidden) can be matched to its record as well
  reply.header('x-strata-invocation-id', invocationId);
  const h = request.headers;
  return new HttpExchangeFields(
    parsePriority(h['x-strata-priority']),
    parseTags(h['x-strata-tags']),
    callerOf(request),
    parseCacheControl(h['cache-control']),
    parseSubject(h['x-strata-subject']),
    clientOnClose(reply),
    invocationId,
  );
}

/** One query parameter given at most once: a repeated one arrives as an array and is a 400, never a database error. */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const v = (request.query as Record<string, string | string[] | undefined>)[name];
  if (Array.isArray(v)) throw new StrataError('invalid_request', `Give '${name}' once.`);
  return v;
}

/**
 * The tenant a request acts on: the key's own, or for admin keys the one named by ?tenant= (any other
 * key naming a foreign tenant is refused rather than silently served its own).
 */
export function requestTenant(request: FastifyRequest, permission: Permission): string {
  const principal = principalOf(request);
  const asked = queryParam(request, 'tenant');
  if (asked === undefined || asked === '') return principal.tenant;
  assertTenantName(asked);
  assertPermission(principal, permission, asked);
  return asked;
}
