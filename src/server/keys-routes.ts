import type { FastifyInstance } from 'fastify';
import { StrataError, isRecord } from '../core/index.js';
import { assertTenantName, type ApiKeyInfo, type KeyStore, type Role } from '../compliance/index.js';
import type { Gateway } from '../gateway/index.js';
import { queryParam } from './request-common.js';

export interface KeyRoutesDeps {
  keys: KeyStore | undefined;
  gateway: Gateway;
}

function stringList(body: Record<string, unknown>, field: string): string[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new StrataError('invalid_request', `'${field}' must be a list of names.`);
  return v as string[];
}

function optionalString(body: Record<string, unknown>, field: string, required = false): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) {
    if (required) throw new StrataError('invalid_request', `'${field}' is required.`);
    return undefined;
  }
  if (typeof v !== 'string') throw new StrataError('invalid_request', `'${field}' must be a string.`);
  return v;
}

function keyBody(info: ApiKeyInfo) {
  return {
    object: 'api_key',
    id: info.id,
    tenant: info.tenant,
    role: info.role,
    name: info.name,
    models: info.models,
    routes: info.routes,
    created_at: new Date(info.createdAt).toISOString(),
    revoked_at: info.revokedAt === null ? null : new Date(info.revokedAt).toISOString(),
  };
}

/** Admin API for keys: POST /v1/keys (the secret is in this one response only), GET /v1/keys, DELETE /v1/keys/{id}. */
export function registerKeyRoutes(app: FastifyInstance, deps: KeyRoutesDeps): void {
  const store = (): KeyStore => {
    if (!deps.keys) throw new StrataError('not_found', 'Keys are not managed in development mode (auth is off).');
    return deps.keys;
  };

  app.post('/v1/keys', async (request, reply) => {
    const body = request.body;
    if (!isRecord(body)) throw new StrataError('invalid_request', 'Send a JSON object: {"tenant": …, "role": …, "models"?: […], "routes"?: […], "name"?: …}.');
    const known = new Set(Object.keys(body));
    for (const f of ['tenant', 'role', 'models', 'routes', 'name']) known.delete(f);
    if (known.size > 0) throw new StrataError('invalid_request', `Unknown field '${[...known][0]!.slice(0, 40)}'; expected tenant, role, models, routes, name.`);
    const models = stringList(body, 'models');
    const routes = stringList(body, 'routes');
    const catalog = deps.gateway.catalog;
    for (const m of models ?? []) {
      if (!catalog.model(m)) throw new StrataError('invalid_request', `Unknown model '${m.slice(0, 60)}' in 'models'; known: ${catalog.models().map((x) => x.alias).join(', ')}.`);
    }
    const routeNames = catalog.routes().map((r) => r.name);
    for (const r of routes ?? []) {
      if (!routeNames.includes(r)) throw new StrataError('invalid_request', `Unknown route '${r.slice(0, 60)}' in 'routes'; known: ${routeNames.join(', ')}.`);
    }
    const { info, key } = await store().create({
      tenant: optionalString(body, 'tenant', true)!,
      role: optionalString(body, 'role', true)! as Role,
      name: optionalString(body, 'name'),
      models,
      routes,
    });
    return reply.code(201).send({ ...keyBody(info), key });
  });

  app.get('/v1/keys', async (request, reply) => {
    const tenant = queryParam(request, 'tenant');
    const all = queryParam(request, 'all');
    if (tenant) assertTenantName(tenant);
    const list = await store().list({ tenant: tenant || undefined, includeRevoked: all === 'true' || all === '1' });
    return reply.send({ object: 'list', data: list.map(keyBody) });
  });

  app.delete<{ Params: { id: string } }>('/v1/keys/:id', async (request, reply) => {
    const info = await store().revoke(request.params.id);
    if (!info) throw new StrataError('not_found', `No API key with id '${request.params.id.slice(0, 40)}'. GET /v1/keys lists them.`);
    return reply.send(keyBody(info));
  });
}
