import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listInvocations } from '../../src/store/index.js';
import { runCli, spawnServe, type ServeProcess } from '../helpers/spawn-strata.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// API keys, roles, allow-lists and tenant isolation end to end: the real fastify server with auth on,
// the openai SDK where a client calls models, fetch for the admin and usage APIs.
const CONFIG = `
models:
  a: { provider: local, id: extractive }
  b: { provider: local, id: extractive }
  emb: { provider: local, id: hash-embed }
routes:
  r1: { models: [a] }
  r2: { models: [b] }
  rab: { models: [a, b] }
`;
const KEY_SHAPE = /^strata-([0-9a-f]{16})-([A-Za-z0-9_-]{43})$/;
const ASK = [{ role: 'user' as const, content: 'Context:\n[1] Keys carry a tenant and a role.\n\nWhat do keys carry?' }];

interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}
interface KeyBody {
  object: string;
  id: string;
  key?: string;
  tenant: string;
  role: string;
  name: string | null;
  models: string[] | null;
  routes: string[] | null;
  created_at: string;
  revoked_at: string | null;
}
interface UsageRow {
  group: Record<string, string>;
  requests: number;
  errors: number;
}

let srv: RunningStrata;

beforeAll(async () => {
  srv = await startStrataServer(CONFIG, {}, { auth: true });
});
afterAll(async () => {
  await srv.close();
});

interface Call {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

/** One HTTP exchange; key undefined = no authorization header; raw = the header as given. */
async function call(method: string, path: string, opts: { key?: string; raw?: string; body?: unknown } = {}): Promise<Call> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.raw !== undefined) headers.authorization = opts.raw;
  else if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
  const res = await fetch(`${srv.url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // /metrics is text
  }
  return { status: res.status, headers: res.headers, text, body };
}

function errorOf(c: Call): ErrorBody['error'] {
  return (c.body as ErrorBody).error;
}

const chatBody = (model: string): unknown => ({ model, messages: ASK });

/** Creates a key through the admin API; the secret exists in this one response. */
async function createKey(spec: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const c = await call('POST', '/v1/keys', { key: srv.adminKey, body: spec });
  expect(c.status, c.text).toBe(201);
  const body = c.body as KeyBody;
  return { id: body.id, key: body.key! };
}

function sdk(key: string): OpenAI {
  return new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: key, maxRetries: 0 });
}

function secretOf(key: string): string {
  return KEY_SHAPE.exec(key)![2]!;
}

describe('requests without a valid key', () => {
  it('get 401 with a distinct, actionable OpenAI-format message for each way a key can be wrong, echoing no secret', async () => {
    const admin = srv.adminKey!;
    const adminId = KEY_SHAPE.exec(admin)![1]!;
    const otherSecret = randomBytes(32).toString('base64url');
    const cases: [string, { key?: string; raw?: string }, string][] = [
      ['missing', {}, "Missing Authorization header; send 'Authorization: Bearer strata-<16 hex>-<43 chars>'"],
      ['not bearer', { raw: `Basic ${Buffer.from(`u:${otherSecret}`).toString('base64')}` }, 'The Authorization header is not a Bearer token;'],
      ['key without Bearer', { raw: `strata-${adminId}-${otherSecret}` }, "the key alone was sent: prefix it with 'Bearer '"],
      ['malformed', { key: `strata-${adminId}-${otherSecret.slice(1)}` }, 'Malformed API key; expected strata-<16 hex>-<43 chars>'],
      ['unknown', { key: `strata-${'0'.repeat(16)}-${otherSecret}` }, 'Unknown API key; check that it was copied whole'],
      ['wrong secret for a real id', { key: `strata-${adminId}-${otherSecret}` }, 'Unknown API key; check that it was copied whole'],
    ];
    const messages = new Set<string>();
    for (const [what, auth, expected] of cases) {
      const c = await call('POST', '/v1/chat/completions', { ...auth, body: chatBody('r1') });
      expect(c.status, what).toBe(401);
      const err = errorOf(c);
      expect(err, what).toMatchObject({ code: 'unauthorized', type: 'authentication_error' });
      expect(err.message, what).toContain(expected);
      // neither the secret sent nor the real admin secret comes back
      expect(c.text, what).not.toContain(otherSecret);
      expect(c.text, what).not.toContain(otherSecret.slice(1));
      expect(c.text, what).not.toContain(secretOf(admin));
      messages.add(err.message);
    }
    // missing / not bearer / key alone / malformed / unknown are told apart; a wrong secret reads as unknown
    expect(messages.size).toBe(5);

    // the refusals are counted by reason on /metrics
    const metrics = await call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    for (const reason of ['missing', 'not_bearer', 'malformed', 'unknown_key']) {
      expect(metrics.text).toMatch(new RegExp(`^strata_auth_failures_total\\{reason="${reason}"\\} [1-9]`, 'm'));
    }
  });

  it('are refused before routing: unknown paths and the model list need a key too', async () => {
    const models = await call('GET', '/v1/models');
    expect(models.status).toBe(401);
    const nowhere = await call('GET', '/v1/secret-admin-thing');
    expect(nowhere.status).toBe(401);
    expect(errorOf(nowhere).message).toContain('Missing Authorization header');
    expect((await call('GET', '/v1/models', { key: srv.adminKey })).status).toBe(200);
    expect((await call('GET', '/v1/secret-admin-thing', { key: srv.adminKey })).status).toBe(404);
  });

  it('make the openai SDK raise AuthenticationError (401)', async () => {
    const bad = `strata-${'a'.repeat(16)}-${randomBytes(32).toString('base64url')}`;
    const err = await sdk(bad).chat.completions.create({ model: 'r1', messages: ASK }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect((err as Error).message).toContain('Unknown API key');
    const emb = await sdk(bad).embeddings.create({ model: 'emb', input: 'x' }).catch((e: unknown) => e);
    expect(emb).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('key management over HTTP', () => {
  it('creates a key shown once, lists keys without secrets or hashes, and the key works with the openai SDK', async () => {
    const c = await call('POST', '/v1/keys', { key: srv.adminKey, body: { tenant: 'acme', role: 'invoker', name: 'ci bot', routes: ['r1'] } });
    expect(c.status, c.text).toBe(201);
    const created = c.body as KeyBody;
    expect(created).toMatchObject({ object: 'api_key', tenant: 'acme', role: 'invoker', name: 'ci bot', models: null, routes: ['r1'], revoked_at: null });
    expect(created.key).toMatch(KEY_SHAPE);
    expect(KEY_SHAPE.exec(created.key!)![1]).toBe(created.id);
    const secret = secretOf(created.key!);
    const secretHash = createHash('sha256').update(secret, 'latin1').digest('hex');

    const list = await call('GET', '/v1/keys', { key: srv.adminKey });
    expect(list.status).toBe(200);
    const listed = (list.body as { object: string; data: KeyBody[] }).data.find((k) => k.id === created.id)!;
    expect(listed).toEqual({ ...created, key: undefined });
    expect(Object.keys(listed).sort()).toEqual(['created_at', 'id', 'models', 'name', 'object', 'revoked_at', 'role', 'routes', 'tenant']);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(secretHash);
    expect(list.text).not.toMatch(/secret|hash/i);
    const byTenant = await call('GET', '/v1/keys?tenant=acme', { key: srv.adminKey });
    expect((byTenant.body as { data: KeyBody[] }).data.every((k) => k.tenant === 'acme')).toBe(true);

    const r = await sdk(created.key!).chat.completions.create({ model: 'r1', messages: ASK }).withResponse();
    expect(r.data.choices[0]!.message.content).toContain('tenant and a role');
    expect(r.response.headers.get('x-strata-model')).toBe('a');
  });

  it('refuses bad key requests with 400s that name the problem', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ tenant: 'acme', role: 'invoker', models: ['nope'] }, "Unknown model 'nope' in 'models'; known: a, b, emb"],
      [{ tenant: 'acme', role: 'invoker', routes: ['nope'] }, "Unknown route 'nope' in 'routes'; known:"],
      [{ tenant: 'acme', role: 'root' }, "Unknown role 'root'; expected one of admin, developer, invoker, auditor"],
      [{ tenant: 'Acme', role: 'invoker' }, "Invalid tenant 'Acme'"],
      [{ tenant: 'a b', role: 'invoker' }, "Invalid tenant 'a b'"],
      [{ role: 'invoker' }, "'tenant' is required"],
      [{ tenant: 'acme' }, "'role' is required"],
      [{ tenant: 'acme', role: 'invoker', models: [] }, 'allow-list is empty'],
      [{ tenant: 'acme', role: 'invoker', models: 'a' }, "'models' must be a list of names"],
      [{ tenant: 'acme', role: 'auditor', models: ['a'] }, 'apply to invoker and developer keys only'],
      [{ tenant: 'acme', role: 'invoker', secret: 'x' }, "Unknown field 'secret'"],
    ];
    const before = (await call('GET', '/v1/keys?all=true', { key: srv.adminKey })).body as { data: KeyBody[] };
    for (const [body, message] of cases) {
      const c = await call('POST', '/v1/keys', { key: srv.adminKey, body });
      expect(c.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(c)).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error' });
      expect(errorOf(c).message).toContain(message);
    }
    // list filters are checked too: a repeated or invalid tenant is a 400, not a database error
    const twice = await call('GET', '/v1/keys?tenant=a&tenant=b', { key: srv.adminKey });
    expect(twice.status, twice.text).toBe(400);
    expect(errorOf(twice).message).toBe("Give 'tenant' once.");
    const badTenant = await call('GET', '/v1/keys?tenant=Not%20A%20Tenant', { key: srv.adminKey });
    expect(badTenant.status).toBe(400);
    expect(errorOf(badTenant).message).toContain("Invalid tenant 'Not A Tenant'");
    // none of them created a key
    const after = (await call('GET', '/v1/keys?all=true', { key: srv.adminKey })).body as { data: KeyBody[] };
    expect(after.data.length).toBe(before.data.length);
  });

  it('revokes a key so that the very next request with it gets 401 revoked; an unknown id is 404', async () => {
    const { id, key } = await createKey({ tenant: 'acme', role: 'invoker' });
    const client = sdk(key);
    // warm the verify cache, so the revocation must drop it
    await client.chat.completions.create({ model: 'r1', messages: ASK });
    const del = await call('DELETE', `/v1/keys/${id}`, { key: srv.adminKey });
    expect(del.status, del.text).toBe(200);
    expect(del.body).toMatchObject({ object: 'api_key', id, revoked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(del.text).not.toContain(secretOf(key));

    const err = await client.chat.completions.create({ model: 'r1', messages: ASK }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as Error).message).toContain(`API key ${id} has been revoked`);
    const raw = await call('POST', '/v1/chat/completions', { key, body: chatBody('r1') });
    expect(raw.status).toBe(401);
    expect(errorOf(raw).message).toContain('has been revoked');

    // revoked keys leave the default list, stay in ?all=true, and revoking again keeps the first time
    const active = (await call('GET', '/v1/keys', { key: srv.adminKey })).body as { data: KeyBody[] };
    expect(active.data.some((k) => k.id === id)).toBe(false);
    const all = (await call('GET', '/v1/keys?all=true', { key: srv.adminKey })).body as { data: KeyBody[] };
    expect(all.data.find((k) => k.id === id)!.revoked_at).toBe((del.body as KeyBody).revoked_at);
    const again = await call('DELETE', `/v1/keys/${id}`, { key: srv.adminKey });
    expect((again.body as KeyBody).revoked_at).toBe((del.body as KeyBody).revoked_at);

    expect((await call('GET', '/metrics')).text).toMatch(/^strata_auth_failures_total\{reason="revoked"\} [1-9]/m);

    const unknown = await call('DELETE', `/v1/keys/${'f'.repeat(16)}`, { key: srv.adminKey });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown)).toMatchObject({ code: 'not_found', type: 'not_found_error' });
    expect(errorOf(unknown).message).toContain(`No API key with id '${'f'.repeat(16)}'`);
    expect((await call('DELETE', '/v1/keys/not-an-id', { key: srv.adminKey })).status).toBe(404);
  });
});

describe('roles', () => {
  let invoker: { id: string; key: string };
  let developer: { id: string; key: string };
  let auditor: { id: string; key: string };

  beforeAll(async () => {
    invoker = await createKey({ tenant: 'roles', role: 'invoker' });
    developer = await createKey({ tenant: 'roles', role: 'developer' });
    auditor = await createKey({ tenant: 'roles', role: 'auditor' });
  });

  function expectForbidden(c: Call, keyId: string, fragment: string): void {
    expect(c.status, c.text).toBe(403);
    expect(errorOf(c)).toMatchObject({ code: 'forbidden', type: 'permission_error' });
    expect(errorOf(c).message).toContain(`API key ${keyId}`);
    expect(errorOf(c).message).toContain(fragment);
  }

  it('an invoker invokes but cannot manage keys, write prompts or knowledge bases, or read usage', async () => {
    expect((await call('POST', '/v1/chat/completions', { key: invoker.key, body: chatBody('r1') })).status).toBe(200);
    expectForbidden(await call('GET', '/v1/keys', { key: invoker.key }), invoker.id, "the invoker role, which does not grant 'keys:manage'");
    expectForbidden(await call('POST', '/v1/keys', { key: invoker.key, body: { tenant: 'roles', role: 'admin' } }), invoker.id, "'keys:manage'");
    expectForbidden(await call('DELETE', `/v1/keys/${invoker.id}`, { key: invoker.key }), invoker.id, "'keys:manage'");
    expectForbidden(await call('POST', '/v1/prompts', { key: invoker.key, body: { name: 'p' } }), invoker.id, "'prompts:write'");
    expectForbidden(await call('POST', '/v1/experiments/x', { key: invoker.key, body: {} }), invoker.id, "'prompts:write'");
    expectForbidden(await call('POST', '/v1/knowledge-bases', { key: invoker.key, body: { name: 'kb' } }), invoker.id, "'kb:write'");
    expectForbidden(await call('GET', '/v1/usage', { key: invoker.key }), invoker.id, "'usage:read'");
    // asking a knowledge base is an invocation: the invoker gets past auth (to a 400 about the empty body)
    const retrieve = await call('POST', '/v1/knowledge-bases/kb1/retrieve', { key: invoker.key, body: {} });
    expect(retrieve.status, retrieve.text).toBe(400);
  });

  it('percent-encoded paths get the same checks as the paths the router serves them under', async () => {
    // the router decodes '/v1/%6beys' to '/v1/keys': an invoker must not list or mint keys through it
    const before = ((await call('GET', '/v1/keys?all=true', { key: srv.adminKey })).body as { data: KeyBody[] }).data.length;
    expectForbidden(await call('GET', '/v1/%6beys', { key: invoker.key }), invoker.id, "'keys:manage'");
    expectForbidden(await call('POST', '/v1/k%65ys', { key: invoker.key, body: { tenant: 'roles', role: 'admin' } }), invoker.id, "'keys:manage'");
    expectForbidden(await call('DELETE', `/v1/%6beys/${invoker.id}`, { key: invoker.key }), invoker.id, "'keys:manage'");
    expect(((await call('GET', '/v1/keys?all=true', { key: srv.adminKey })).body as { data: KeyBody[] }).data.length).toBe(before);
    expectForbidden(await call('GET', '/v1/%75sage', { key: invoker.key }), invoker.id, "'usage:read'");
    expectForbidden(await call('POST', '/v1/chat/%63ompletions', { key: auditor.key, body: chatBody('r1') }), auditor.id, "does not grant 'invoke'");
    const converse = await call('POST', '/%6dodel/a/converse', { key: auditor.key, body: { messages: [{ role: 'user', content: [{ text: 'hi' }] }] } });
    expect(converse.status, converse.text).toBe(403);
    // an unrouted path is judged by its decoded form: 403 for a caller without the permission, not 404
    expectForbidden(await call('POST', '/v1/%70rompts', { key: invoker.key, body: {} }), invoker.id, "'prompts:write'");
    // and the admin still reaches the encoded spelling
    expect((await call('GET', '/v1/%6beys', { key: srv.adminKey })).status).toBe(200);
  });

  it('a developer gets past auth on prompts, knowledge bases and evals where an invoker gets 403', async () => {
    // the prompt registry is built: a developer's empty push is a 400 about the body, not a 403
    const push = await call('POST', '/v1/prompts', { key: developer.key, body: {} });
    expect(push.status, push.text).toBe(400);
    expect((await call('POST', '/v1/prompts', { key: invoker.key, body: {} })).status).toBe(403);
    // knowledge bases are built: a developer's empty body is a 400 about the body; evals are not built yet (404)
    for (const [path, status] of [['/v1/knowledge-bases', 400], ['/v1/knowledge-bases/kb1/documents', 400], ['/v1/evals/run', 404]] as const) {
      const dev = await call('POST', path, { key: developer.key, body: {} });
      expect(dev.status, `${path}: ${dev.text}`).toBe(status);
      expect((await call('POST', path, { key: invoker.key, body: {} })).status, path).toBe(403);
    }
    // but a developer does not manage keys
    expectForbidden(await call('GET', '/v1/keys', { key: developer.key }), developer.id, "the developer role, which does not grant 'keys:manage'");
  });

  it('an auditor cannot invoke, over HTTP or the openai SDK, but reads its tenant usage', async () => {
    expectForbidden(await call('POST', '/v1/chat/completions', { key: auditor.key, body: chatBody('r1') }), auditor.id, "the auditor role, which does not grant 'invoke'");
    expectForbidden(await call('POST', '/v1/embeddings', { key: auditor.key, body: { model: 'emb', input: 'x' } }), auditor.id, "'invoke'");
    // the Bedrock wire format answers in its own error shape (AccessDeniedException)
    const converse = await call('POST', '/model/a/converse', { key: auditor.key, body: { messages: [{ role: 'user', content: [{ text: 'hi' }] }] } });
    expect(converse.status, converse.text).toBe(403);
    expect(converse.text).toContain(`API key ${auditor.id} has the auditor role, which does not grant 'invoke'`);
    expect(converse.headers.get('x-amzn-errortype')).toMatch(/^AccessDeniedException:/);
    const err = await sdk(auditor.key).chat.completions.create({ model: 'r1', messages: ASK }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as InstanceType<typeof OpenAI.PermissionDeniedError>).status).toBe(403);

    const own = await call('GET', '/v1/usage?by=tenant', { key: auditor.key });
    expect(own.status, own.text).toBe(200);
    expect(own.body).toMatchObject({ object: 'usage', tenant: 'roles' });
    const dev = await call('GET', '/v1/usage?by=tenant', { key: developer.key });
    expect(dev.status, dev.text).toBe(200);
    expect(dev.body).toMatchObject({ object: 'usage', tenant: 'roles' });
  });

  it("nobody but an admin reads another tenant's usage", async () => {
    for (const [who, k] of [['auditor', auditor], ['developer', developer]] as const) {
      const other = await call('GET', '/v1/usage?tenant=other', { key: k.key });
      expectForbidden(other, k.id, "belongs to tenant 'roles' and may not act on tenant 'other'");
      expect(other.status, who).toBe(403);
    }
    // naming its own tenant is fine
    expect((await call('GET', '/v1/usage?tenant=roles', { key: auditor.key })).status).toBe(200);
    const admin = await call('GET', '/v1/usage?tenant=other', { key: srv.adminKey });
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({ tenant: 'other' });
  });
});

describe('tenant isolation', () => {
  it("usage for tenant A never includes tenant B's requests, and records carry the caller's tenant and key id", async () => {
    const a = await createKey({ tenant: 'iso-a', role: 'developer' });
    const b = await createKey({ tenant: 'iso-b', role: 'invoker' });
    const aAuditor = await createKey({ tenant: 'iso-a', role: 'auditor' });
    const ids: Record<string, string[]> = { a: [], b: [] };
    for (let i = 0; i < 2; i++) {
      const r = await sdk(a.key).chat.completions.create({ model: 'r1', messages: ASK }).withResponse();
      ids.a!.push(r.response.headers.get('x-strata-invocation-id')!);
    }
    for (let i = 0; i < 3; i++) {
      const r = await sdk(b.key).chat.completions.create({ model: 'r2', messages: ASK }).withResponse();
      ids.b!.push(r.response.headers.get('x-strata-invocation-id')!);
    }
    const e = await sdk(b.key).embeddings.create({ model: 'emb', input: 'tenant b embeds' }).withResponse();
    ids.b!.push(e.response.headers.get('x-strata-invocation-id')!);
    await srv.strata.writer.flush();

    const rows = (c: Call): UsageRow[] => (c.body as { data: UsageRow[] }).data;
    const asA = await call('GET', '/v1/usage?by=tenant,key,route', { key: a.key });
    expect(asA.status, asA.text).toBe(200);
    expect(rows(asA)).toEqual([expect.objectContaining({ group: { tenant: 'iso-a', key: a.id, route: 'r1' }, requests: 2, errors: 0 })]);
    const asAuditor = await call('GET', '/v1/usage?by=tenant', { key: aAuditor.key });
    expect(rows(asAuditor)).toEqual([expect.objectContaining({ group: { tenant: 'iso-a' }, requests: 2 })]);
    expect(asAuditor.text).not.toContain('iso-b');
    expect(asAuditor.text).not.toContain(b.id);

    const asAdmin = await call('GET', '/v1/usage?by=tenant', { key: srv.adminKey });
    const byTenant = Object.fromEntries(rows(asAdmin).map((r) => [r.group.tenant, r.requests]));
    expect(byTenant).toMatchObject({ 'iso-a': 2, 'iso-b': 4 });
    const onlyB = await call('GET', '/v1/usage?by=tenant,key&tenant=iso-b', { key: srv.adminKey });
    expect(rows(onlyB)).toEqual([expect.objectContaining({ group: { tenant: 'iso-b', key: b.id }, requests: 4 })]);

    const recA = await listInvocations(srv.strata.store, { tenant: 'iso-a' });
    expect(recA.map((r) => r.id).sort()).toEqual([...ids.a!].sort());
    expect(recA.every((r) => r.keyId === a.id && r.tenant === 'iso-a')).toBe(true);
    const recB = await listInvocations(srv.strata.store, { tenant: 'iso-b' });
    expect(recB.map((r) => r.id).sort()).toEqual([...ids.b!].sort());
    expect(recB.every((r) => r.keyId === b.id && r.tenant === 'iso-b')).toBe(true);
  });
});

describe('allow-lists', () => {
  it('a routes: [r1] key calls r1 only: not r2, nor a model alias directly (403 naming the key)', async () => {
    const k = await createKey({ tenant: 'allow', role: 'invoker', routes: ['r1'] });
    const client = sdk(k.key);
    const ok = await client.chat.completions.create({ model: 'r1', messages: ASK }).withResponse();
    expect(ok.response.headers.get('x-strata-model')).toBe('a');
    for (const model of ['r2', 'a', 'rab']) {
      const err = await client.chat.completions.create({ model, messages: ASK }).catch((e: unknown) => e);
      expect(err, model).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((err as Error).message).toContain(`API key ${k.id} may not use '${model}'; it may use only: r1`);
    }
    // streaming and embeddings go through the same check
    const stream = await client.chat.completions.create({ model: 'r2', messages: ASK, stream: true }).catch((e: unknown) => e);
    expect(stream).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const emb = await client.embeddings.create({ model: 'emb', input: 'x' }).catch((e: unknown) => e);
    expect(emb).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((emb as Error).message).toContain(`API key ${k.id} may not use 'emb'`);
  });

  it('a models: [a] key calls a and a route whose chain is only [a], not b nor a route whose chain includes b', async () => {
    const k = await createKey({ tenant: 'allow', role: 'invoker', models: ['a'] });
    const client = sdk(k.key);
    for (const model of ['a', 'r1']) {
      const r = await client.chat.completions.create({ model, messages: ASK }).withResponse();
      expect(r.response.headers.get('x-strata-model'), model).toBe('a');
    }
    const viaB = await client.chat.completions.create({ model: 'rab', messages: ASK }).catch((e: unknown) => e);
    expect(viaB).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((viaB as Error).message).toContain(`API key ${k.id} may not use 'rab': it can reach model 'b', which is not among the key's models (a)`);
    for (const model of ['b', 'r2']) {
      const err = await client.chat.completions.create({ model, messages: ASK }).catch((e: unknown) => e);
      expect(err, model).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((err as Error).message).toContain(`API key ${k.id} may not use '${model}'`);
    }
    // a refused call is recorded against the caller, and never reached a model
    await srv.strata.writer.flush();
    const refused = (await listInvocations(srv.strata.store, { tenant: 'allow', route: 'rab' })).filter((r) => r.keyId === k.id);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ status: 'error', errorCode: 'forbidden', httpStatus: 403, modelAnswered: null, attempts: 0 });
    // the Bedrock wire format is held to the same list
    const converse = await call('POST', '/model/b/converse', { key: k.key, body: { messages: [{ role: 'user', content: [{ text: 'hi' }] }] } });
    expect(converse.status, converse.text).toBe(403);
    expect(converse.text).toContain(`API key ${k.id} may not use 'b'`);
    const allowed = await call('POST', '/model/a/converse', { key: k.key, body: { messages: [{ role: 'user', content: [{ text: 'hi' }] }] } });
    expect(allowed.status, allowed.text).toBe(200);
  });

  it('an unrestricted developer key reaches every route and model', async () => {
    const k = await createKey({ tenant: 'allow', role: 'developer' });
    for (const model of ['r1', 'r2', 'rab', 'a', 'b']) {
      const r = await sdk(k.key).chat.completions.create({ model, messages: ASK });
      expect(r.choices[0]!.message.content, model).toContain('tenant and a role');
    }
  });
});

describe('secrets', () => {
  it('no key secret appears in the logs, the records or any file of the store', async () => {
    const k = await createKey({ tenant: 'secrets', role: 'invoker' });
    await sdk(k.key).chat.completions.create({ model: 'r1', messages: ASK });
    await call('POST', '/v1/chat/completions', { key: `${k.key}x`, body: chatBody('r1') });
    await srv.strata.writer.flush();
    const recs = await listInvocations(srv.strata.store, { tenant: 'secrets' });
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ tenant: 'secrets', keyId: k.id });

    const secrets = [secretOf(k.key), secretOf(srv.adminKey!)];
    expect(srv.logs.length).toBeGreaterThan(0);
    const logs = srv.logs.join('\n');
    expect(JSON.stringify(recs)).not.toContain(secrets[0]);
    // the database files, WAL included, hold only hashes of secrets
    const files = readdirSync(srv.home, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const s of secrets) {
      expect(logs).not.toContain(s);
      for (const f of files) expect(readFileSync(join(f.parentPath, f.name)).includes(s), f.name).toBe(false);
    }
  });
});

describe('open paths', () => {
  it('/healthz, /readyz and /metrics need no key by default', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/readyz')).status).toBe(200);
    const m = await call('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.text).toContain('strata_auth_failures_total');
  });

  describe('with server.metricsAuth', () => {
    let guarded: RunningStrata | undefined;
    afterEach(async () => {
      await guarded?.close();
      guarded = undefined;
    });

    it('/metrics needs a key (any role) while health checks stay open', async () => {
      guarded = await startStrataServer('server: { metricsAuth: true }\n', {}, { auth: true });
      const base = guarded.url;
      const none = await fetch(`${base}/metrics`);
      expect(none.status).toBe(401);
      expect(((await none.json()) as ErrorBody).error.message).toContain('Missing Authorization header');
      const { key } = await guarded.strata.keys.create({ tenant: 'ops', role: 'auditor' });
      const withKey = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${key}` } });
      expect(withKey.status).toBe(200);
      expect(await withKey.text()).toContain('strata_auth_failures_total');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    });
  });
});

describe('strata serve (real process)', () => {
  let home: string | undefined;
  let server: ServeProcess | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    if (home) rmSync(home, { recursive: true, force: true });
    home = undefined;
  });

  it('creates, prints and saves an admin key on first start only; a key made with `strata keys` works and `strata keys revoke` stops it', async () => {
    home = mkdtempSync(join(tmpdir(), 'strata-auth-serve-'));
    const env = { STRATA_HOME: home, STRATA_DATABASE_URL: '', STRATA_CONFIG: '', STRATA_LOG_LEVEL: 'info' };
    server = await spawnServe([], env);
    const adminKey = server.adminKey!;
    expect(adminKey).toMatch(KEY_SHAPE);
    const startLine = JSON.parse(server.output().split('\n').find((l) => l.startsWith('{"url"'))!) as Record<string, unknown>;
    expect(startLine).toMatchObject({ auth: 'on', adminKey, adminKeyFile: join(home, 'admin.key') });
    const file = join(home, 'admin.key');
    expect(readFileSync(file, 'utf8')).toBe(`${adminKey}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // the secret is printed once, in the start line, and never logged
    expect(server.output().split(secretOf(adminKey)).length - 1).toBe(1);

    const admin = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: adminKey, maxRetries: 0 });
    expect((await admin.chat.completions.create({ model: 'default', messages: ASK })).choices[0]!.message.content).toContain('tenant and a role');
    expect((await fetch(`${server.url}/v1/keys`, { headers: server.auth })).status).toBe(200);
    expect((await fetch(`${server.url}/v1/keys`)).status).toBe(401);
    expect(await server.stop()).toBe(0);
    server = undefined;

    const created = await runCli(['keys', 'create', '--tenant', 'cli-t', '--role', 'invoker', '--models', 'local', '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    const cliKey = JSON.parse(created.stdout) as { id: string; key: string };

    // second start on the same home: no new key, the saved one still works. keyCacheMs 0 makes this
    // server look every key up, so a revocation by another process applies to its very next request.
    const config = join(home, 'strata.yaml');
    writeFileSync(config, 'auth: { keyCacheMs: 0 }\n');
    server = await spawnServe(['--config', config], env);
    expect(server.adminKey).toBeUndefined();
    expect(server.output()).not.toContain('adminKey');
    expect(readFileSync(file, 'utf8')).toBe(`${adminKey}\n`);
    const again = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: adminKey, maxRetries: 0 });
    expect((await again.models.list()).data.length).toBeGreaterThan(0);

    const cliClient = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: cliKey.key, maxRetries: 0 });
    const ok = await cliClient.chat.completions.create({ model: 'default', messages: ASK }).withResponse();
    expect(ok.response.headers.get('x-strata-model')).toBe('local');
    // the CLI key's role is enforced by the server
    expect((await fetch(`${server.url}/v1/keys`, { headers: { authorization: `Bearer ${cliKey.key}` } })).status).toBe(403);

    const revoked = await runCli(['keys', 'revoke', cliKey.id, '--json'], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    const err = await cliClient.chat.completions.create({ model: 'default', messages: ASK }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as Error).message).toContain(`API key ${cliKey.id} has been revoked`);
    expect(server.output()).not.toContain(secretOf(cliKey.key));
  });
});
