import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StrataError, isRecord } from '../core/index.js';
import type { Gateway } from '../gateway/index.js';
import { parsePromptFile, validatePromptContent, type LabelEvent, type PromptContent, type PromptLabel, type PromptRegistry, type PromptVersion } from '../prompts/index.js';
import type { PromptRuntime } from '../prompts/runtime/index.js';
import { principalOf } from './auth.js';
import { servePromptCompletion } from './prompt-completions.js';
import { bodyObject, optionalText, parsePromptPath, parseRefText, type PromptPath } from './prompt-path.js';
import { queryParam, requestTenant } from './request-common.js';

export interface PromptRoutesDeps {
  gateway: Gateway;
  /** undefined: the server was built without a registry and /v1/prompts answers 404 */
  prompts?: { registry: PromptRegistry; runtime: PromptRuntime };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function versionBody(v: PromptVersion) {
  return { object: 'prompt.version', tenant: v.tenant, name: v.name, version: v.version, ref: `${v.name}@${v.version}`, hash: v.hash, message: v.message, created_at: iso(v.createdAt), created_by: v.createdBy, content: v.content };
}

function labelBody(l: PromptLabel) {
  return { object: 'prompt.label', label: l.label, version: l.version, protected: l.protected, updated_at: iso(l.updatedAt), updated_by: l.updatedBy };
}

function eventBody(name: string, e: LabelEvent) {
  return { object: 'prompt.label_event', name, label: e.label, kind: e.kind ?? null, from: e.from, to: e.to, actor: e.actor, reason: e.reason, at: iso(e.at) };
}

/** Who acts, for the label history: the key id (never its secret) and its role (protected labels check it). */
function actorOf(request: FastifyRequest): { actor: string; actorRole: string } {
  const p = principalOf(request);
  return { actor: p.keyId === 'no-auth' ? 'no-auth' : `key:${p.keyId}`, actorRole: p.role };
}

/** What POST /v1/prompts accepts: `{yaml}`, `{prompt: {...}}` or the prompt object itself; message and label beside it. */
function pushInput(raw: unknown): { content: PromptContent; message?: string; label?: string } {
  const shape = '{"yaml": "<prompt file>"} or {"prompt": {name, type, messages|template, …}, "message"?, "label"?}';
  const body = bodyObject(raw, shape);
  if (Object.keys(body).length === 0) throw new StrataError('invalid_request', `Send the prompt: ${shape}.`);
  const label = optionalText(body, 'label');
  const message = optionalText(body, 'message');
  const yaml = optionalText(body, 'yaml');
  let content: PromptContent;
  if (yaml !== undefined) {
    content = parsePromptFile(yaml, 'request body yaml');
  } else if (body.prompt !== undefined) {
    if (!isRecord(body.prompt)) throw new StrataError('invalid_request', `'prompt' must be an object: ${shape}.`);
    content = validatePromptContent(body.prompt, 'request body prompt');
  } else {
    const { label: _l, message: _m, ...rest } = body;
    content = validatePromptContent(rest, 'request body');
  }
  return { content, ...(message !== undefined ? { message } : {}), ...(label !== undefined ? { label } : {}) };
}

function requireNoRef(path: PromptPath): void {
  if (path.kind === 'action' && (path.ref.label !== undefined || path.ref.version !== undefined) && path.action !== 'completions') {
    throw new StrataError('invalid_request', `Name the prompt without @ for /${path.action}.`);
  }
}

/** /v1/prompts: the registry over HTTP and prompt completions in the chat-completion format. */
export function registerPromptRoutes(app: FastifyInstance, deps: PromptRoutesDeps): void {
  const prompts = (): { registry: PromptRegistry; runtime: PromptRuntime } => {
    if (!deps.prompts) throw new StrataError('not_found', 'The prompt registry is not available on this server.');
    return deps.prompts;
  };

  app.get('/v1/prompts', async (request, reply) => {
    const tenant = requestTenant(request, 'prompts:read');
    const list = await prompts().registry.list(tenant);
    return reply.send({
      object: 'list',
      data: list.map((p) => ({ object: 'prompt', name: p.name, type: p.type, latest: p.latest, labels: p.labels, updated_at: iso(p.updatedAt) })),
    });
  });

  app.post('/v1/prompts', async (request, reply) => {
    const tenant = requestTenant(request, 'prompts:write');
    const input = pushInput(request.body);
    const out = await prompts().registry.push(tenant, input.content, { ...actorOf(request), message: input.message, label: input.label });
    return reply.code(out.created ? 201 : 200).send({
      object: 'prompt.push',
      created: out.created,
      version: versionBody(out.version),
      label_event: out.labelEvent ? eventBody(out.version.name, out.labelEvent) : null,
    });
  });

  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/v1/prompts/*',
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const path = parsePromptPath((request.params as { '*': string })['*']);
      requireNoRef(path);
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      const { registry, runtime } = prompts();
      if (path.kind === 'action' && path.action === 'completions') {
        if (method !== 'POST') throw notAllowed(method, 'POST');
        return servePromptCompletion(request, reply, { gateway: deps.gateway, runtime, name: path.name, ref: path.ref, tenant: requestTenant(request, 'invoke') });
      }
      const read = method === 'GET';
      const tenant = requestTenant(request, read ? 'prompts:read' : 'prompts:write');
      if (path.kind === 'prompt') {
        if (!read) throw notAllowed(method, 'GET');
        return reply.send(versionBody(await registry.get(tenant, path.name, path.ref)));
      }
      if (path.kind === 'label') return labelWrite(request, reply, registry, tenant, path.name, path.label, method);
      const { name } = path;
      switch (path.action) {
        case 'versions':
          if (!read) throw notAllowed(method, 'GET');
          return reply.send({ object: 'list', data: (await registry.versions(tenant, name)).map(versionBody) });
        case 'labels':
          if (!read) throw notAllowed(method, 'GET');
          return reply.send({ object: 'list', data: (await registry.labels(tenant, name)).map(labelBody) });
        case 'history': {
          if (!read) throw notAllowed(method, 'GET');
          const events = await registry.history(tenant, name, queryParam(request, 'label') || undefined);
          return reply.send({ object: 'list', data: events.map((e) => eventBody(name, e)) });
        }
        case 'diff': {
          if (!read) throw notAllowed(method, 'GET');
          const a = parseRefText(queryParam(request, 'a') ?? '', 'a');
          const b = parseRefText(queryParam(request, 'b') ?? '', 'b');
          const diff = await registry.diff(tenant, name, a, b);
          return reply.send({ object: 'prompt.diff', name, a: queryParam(request, 'a'), b: queryParam(request, 'b'), identical: diff === '', diff });
        }
        case 'rollback': {
          if (method !== 'POST') throw notAllowed(method, 'POST');
          const body = bodyObject(request.body, '{"label"?: "production", "reason"?: "…"}');
          const label = optionalText(body, 'label') ?? 'production';
          const event = await registry.rollback(tenant, name, label, { ...actorOf(request), reason: optionalText(body, 'reason') });
          return reply.send(eventBody(name, event));
        }
        default:
          throw new StrataError('not_found', 'Unknown prompt action.');
      }
    },
  });
}

function notAllowed(method: string, allowed: string): StrataError {
  return new StrataError('invalid_request', `${method} is not supported here; use ${allowed}.`, { status: 405 });
}

/** PUT|POST …/labels/{label} {version, reason?, protect?} moves a label; DELETE removes it. */
async function labelWrite(request: FastifyRequest, reply: FastifyReply, registry: PromptRegistry, tenant: string, name: string, label: string, method: string): Promise<FastifyReply> {
  if (method === 'GET') {
    const found = (await registry.labels(tenant, name)).find((l) => l.label === label);
    if (!found) throw new StrataError('not_found', `Prompt '${name}' has no label '${label}'.`);
    return reply.send(labelBody(found));
  }
  const body = bodyObject(request.body, '{"version": 3, "reason"?: "…", "protect"?: true}');
  const reason = optionalText(body, 'reason') ?? (queryParam(request, 'reason') || undefined);
  if (method === 'DELETE') {
    return reply.send(eventBody(name, await registry.removeLabel(tenant, name, label, { ...actorOf(request), reason })));
  }
  const version = body.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new StrataError('invalid_request', "'version' is required: the version number the label should point at.", { details: { param: 'version' } });
  }
  const protect = body.protect;
  if (protect !== undefined && typeof protect !== 'boolean') throw new StrataError('invalid_request', "'protect' must be true or false.", { details: { param: 'protect' } });
  const event = await registry.setLabel(tenant, name, label, version, { ...actorOf(request), reason, ...(protect !== undefined ? { protect } : {}) });
  return reply.send(eventBody(name, event));
}
