import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StrataError } from '../core/index.js';
import { assertPermission, type KeyStore, type Permission, type Principal } from '../compliance/index.js';
import type { GatewayMetrics } from '../observe/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** who is calling: set by the auth hook on every request that needs a key */
    principal: Principal | undefined;
  }
}

/** The caller in development mode (`--no-auth`, auth.enabled: false): admin of tenant 'default'. */
export const NO_AUTH_PRINCIPAL: Principal = Object.freeze({ keyId: 'no-auth', tenant: 'default', role: 'admin', models: null, routes: null });

export interface AuthOptions {
  /** undefined = development mode: no key needed, every caller is NO_AUTH_PRINCIPAL */
  keys: KeyStore | undefined;
  /** /metrics needs a key too (any role) */
  metricsNeedKey: boolean;
  metrics?: GatewayMetrics;
}

const OPEN_PATHS = new Set(['/healthz', '/readyz']);

/**
 * The permission a request needs, from its method and path. Written over the URL space rather than
 * per route so that paths served by later capabilities (prompts, knowledge bases, audit) are guarded
 * the moment they exist, and a 404 never tells a caller without the permission what is there.
 * undefined = any valid key.
 */
export function requiredPermission(method: string, path: string): Permission | undefined {
  if (path === '/v1/chat/completions' || path === '/v1/embeddings' || path.startsWith('/model/')) return 'invoke';
  if (path === '/v1/usage' || path.startsWith('/v1/usage/')) return 'usage:read';
  if (path === '/v1/keys' || path.startsWith('/v1/keys/')) return 'keys:manage';
  if (path === '/v1/audit' || path.startsWith('/v1/audit/')) return 'audit:read';
  if (/^\/v1\/prompts(\/|$)/.test(path)) {
    // rendering a prompt into a model call is a call like any other; reading needs less than changing
    if (method === 'POST' && path.endsWith('/completions')) return 'invoke';
    return method === 'GET' || method === 'HEAD' ? 'prompts:read' : 'prompts:write';
  }
  if (/^\/v1\/(experiments|evals)(\/|$)/.test(path)) return 'prompts:write';
  if (/^\/v1\/knowledge-bases(\/|$)/.test(path)) {
    // asking a knowledge base is a call like a model call; changing one is a developer's job
    return method === 'POST' && /\/(retrieve|retrieve-and-generate)$/.test(path) ? 'invoke' : 'kb:write';
  }
  if (/^\/v1\/guardrails\/[^/]+\/apply$/.test(path) || path === '/v1/feedback') return 'invoke';
  // Bedrock Agent Runtime's own paths: Retrieve, RetrieveAndGenerate, Rerank are calls like any other
  if (isAgentRuntimePath(path)) return 'invoke';
  return undefined;
}

/** Paths of the Bedrock Agent Runtime wire protocol that Strata serves (see agent-runtime-routes.ts). */
export function isAgentRuntimePath(path: string): boolean {
  return path.startsWith('/knowledgebases/') || path === '/retrieveAndGenerate' || path === '/retrieveAndGenerateStream' || path === '/rerank';
}

/**
 * The Authorization value a request's key is read from. BedrockAgentRuntimeClient can only sign with
 * SigV4, and Strata cannot check a SigV4 signature (it never holds a key's secret): on the Agent
 * Runtime paths the client sends its Strata key as its credentials' session token, which arrives as
 * `x-amz-security-token` beside the signature. The key is the whole secret either way, exactly as a
 * bearer token; the signature adds nothing Strata could verify and is ignored.
 */
function presentedAuthorization(request: FastifyRequest, path: string): string | undefined {
  const authorization = request.headers.authorization;
  if (!isAgentRuntimePath(path) || !authorization?.startsWith('AWS4-HMAC-SHA256 ')) return authorization;
  const token = request.headers['x-amz-security-token'];
  if (typeof token === 'string' && token !== '') return `Bearer ${token}`;
  throw new StrataError(
    'unauthorized',
    "A SigV4 signature alone cannot identify a Strata caller: give the client credentials whose sessionToken is your Strata key, e.g. { accessKeyId: 'strata', secretAccessKey: 'strata', sessionToken: 'strata-…' }.",
    { details: { reason: 'not_bearer' } },
  );
}

function failureReason(err: StrataError): string {
  if (err.code === 'forbidden') return 'forbidden';
  const reason = err.details?.reason;
  return typeof reason === 'string' ? reason : 'unknown_key';
}

/**
 * The path a request is served under, as the permission check must see it. The router matches
 * percent-decoded paths, so the raw URL would let '/v1/%6beys' reach the keys API without
 * 'keys:manage': a matched request is judged by its route's pattern (exactly what will serve it),
 * an unmatched one by its decoded path (so a caller without the permission gets 403, never a 404).
 */
function routedPath(request: FastifyRequest): string {
  const route = request.routeOptions.url;
  // A wildcard pattern (prompt names contain '/') does not say which action is asked for: judge the
  // decoded path, which is exactly what the wildcard handler parses.
  if (route !== undefined && !route.endsWith('*')) return route;
  const raw = request.url.split('?', 1)[0]!;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Adds the auth hook: every request except the open paths carries a valid key whose role grants what the path needs. */
export function registerAuth(app: FastifyInstance, opts: AuthOptions): void {
  app.decorateRequest('principal', undefined);
  const { keys, metrics } = opts;
  const admit = (request: FastifyRequest, path: string, principal: Principal): void => {
    request.principal = principal;
    const permission = requiredPermission(request.method, path);
    if (permission) assertPermission(principal, permission);
  };
  const failed = (e: unknown): Error => {
    if (e instanceof StrataError) metrics?.authFailures.inc({ reason: failureReason(e) });
    return e instanceof Error ? e : new Error(String(e));
  };
  // A callback hook: a key in the verification cache (nearly every request) is checked without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const path = routedPath(request);
    if (OPEN_PATHS.has(path) || (path === '/metrics' && !opts.metricsNeedKey)) {
      done();
      return;
    }
    let presented: string | undefined;
    try {
      presented = keys ? presentedAuthorization(request, path) : undefined;
      const principal = keys ? keys.verifyCached(presented) : NO_AUTH_PRINCIPAL;
      if (principal !== undefined) {
        admit(request, path, principal);
        done();
        return;
      }
    } catch (e) {
      done(failed(e));
      return;
    }
    keys!.verify(presented).then(
      (principal) => {
        try {
          admit(request, path, principal);
        } catch (e) {
          done(failed(e));
          return;
        }
        done();
      },
      (e: unknown) => done(failed(e)),
    );
  });
}

/** The principal of a request that passed the auth hook. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new StrataError('unauthorized', 'This request carries no verified API key.');
  return request.principal;
}
