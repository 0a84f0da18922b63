import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { assertPermission, type Principal, type Role } from '../../src/compliance/index.js';
import { ExperimentStore } from '../../src/prompts/experiments/index.js';
import { PromptRegistry, parsePromptFile } from '../../src/prompts/index.js';
import { insertInvocations, openStore, type Store } from '../../src/store/index.js';
import { requiredPermission } from '../../src/server/auth.js';
import { registerExperimentRoutes } from '../../src/server/experiment-routes.js';
import { fromFastifyError } from '../../src/server/request-common.js';
import { makeRecord } from '../store/records.js';

let store: Store;
let app: FastifyInstance;

/** Who calls: `x-test-principal: role:tenant` (default developer of acme), checked as the real auth hook does. */
function principalFrom(header: string | string[] | undefined): Principal {
  const [role, tenant] = (typeof header === 'string' ? header : 'developer:acme').split(':') as [Role, string];
  return { keyId: `k-${role}`, tenant, role, models: null, routes: null };
}

beforeAll(async () => {
  store = await openStore({ home: ':memory:' });
  const registry = new PromptRegistry(store);
  const file = (text: string) => parsePromptFile(`name: support/answer\ntype: text\ntemplate: ${JSON.stringify(text)}\n`, 'answer.yaml');
  await registry.push('acme', file('one'), { actor: 'dana', label: 'production' });
  await registry.push('acme', file('two'), { actor: 'dana' });
  await registry.push('globex', file('g1'), { actor: 'gus' });
  await registry.push('globex', file('g2'), { actor: 'gus' });
  app = Fastify();
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    request.principal = principalFrom(request.headers['x-test-principal']);
    const permission = requiredPermission(request.method, request.url.split('?')[0]!);
    try {
      if (permission) assertPermission(request.principal, permission);
      done();
    } catch (e) {
      done(e as Error);
    }
  });
  app.setErrorHandler((error, _request, reply) => {
    const err = fromFastifyError(error);
    void reply.code(err.status).send({ error: { code: err.code, message: err.message } });
  });
  registerExperimentRoutes(app, { store: new ExperimentStore(store), registry, feedbackTextTenants: ['acme'] });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await store.close();
});

const as = (who: string) => ({ 'x-test-principal': who });
const body = (payload: unknown, who = 'developer:acme') => ({ payload: payload as Record<string, unknown>, headers: as(who) });
const arms = [{ name: 'control', version: 1 }, { name: 'treatment', version: 2, weight: 1 }];

async function createExperiment(who = 'developer:acme', target = 'support/answer'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/experiments', ...body({ name: 'tone', kind: 'prompt', target, arms }, who) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

describe('/v1/experiments', () => {
  it('creates, lists, shows with results and a table, and moves through the lifecycle', async () => {
    const id = await createExperiment();
    const list = await app.inject({ method: 'GET', url: '/v1/experiments?status=draft', headers: as('developer:acme') });
    expect(list.json<{ data: { id: string }[] }>().data.map((e) => e.id)).toContain(id);

    const start = await app.inject({ method: 'POST', url: `/v1/experiments/${id}/start`, headers: as('developer:acme') });
    expect(start.json()).toMatchObject({ object: 'experiment', id, status: 'running', created_by: 'key:k-developer', arms: [{ name: 'control', weight: 1, version: 1 }, { name: 'treatment', weight: 1, version: 2 }] });
    const records = [makeRecord({ tenant: 'acme' }), makeRecord({ tenant: 'acme', status: 'error', errorCode: 'upstream_timeout' })];
    await insertInvocations(store, records);
    await sql`update invocations set experiment = ${id}, arm = 'control' where id in (${sql.join(records.map((r) => r.id))})`.execute(store.db);

    const show = await app.inject({ method: 'GET', url: `/v1/experiments/${id}?seed=3`, headers: as('developer:acme') });
    expect(show.statusCode).toBe(200);
    const shown = show.json<{ status: string; results: { arms: { arm: string; requests: number; errors: number }[] }; table: string }>();
    expect(shown.status).toBe('running');
    expect(shown.results.arms.map((a) => [a.arm, a.requests, a.errors])).toEqual([['control', 2, 1], ['treatment', 0, 0]]);
    expect(shown.table).toMatch(/^arm\s+requests/);
    expect(shown.table).toContain('control (control)');

    expect((await app.inject({ method: 'POST', url: `/v1/experiments/${id}/pause`, headers: as('developer:acme') })).json()).toMatchObject({ status: 'paused' });
    expect((await app.inject({ method: 'POST', url: `/v1/experiments/${id}/stop`, headers: as('developer:acme') })).json()).toMatchObject({ status: 'stopped' });
    const illegal = await app.inject({ method: 'POST', url: `/v1/experiments/${id}/pause`, headers: as('developer:acme') });
    expect([illegal.statusCode, illegal.json<{ error: { message: string } }>().error.message]).toEqual([400, expect.stringMatching(/is stopped; pause needs it running/)]);
  });

  it('answers 409 when another experiment already runs on the target', async () => {
    const a = await createExperiment();
    const b = await createExperiment();
    await app.inject({ method: 'POST', url: `/v1/experiments/${a}/start`, headers: as('developer:acme') });
    const res = await app.inject({ method: 'POST', url: `/v1/experiments/${b}/start`, headers: as('developer:acme') });
    expect([res.statusCode, res.json<{ error: { code: string } }>().error.code]).toEqual([409, 'invalid_request']);
    await app.inject({ method: 'POST', url: `/v1/experiments/${a}/stop`, headers: as('developer:acme') });
  });

  it('refuses bad bodies with 400 and a message saying what is expected', async () => {
    const post = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/experiments', ...body(payload) });
    const cases: [unknown, RegExp][] = [
      [[1, 2], /Send a JSON object/],
      [{ name: 'x', kind: 'prompt', target: 'support/answer', arms, extra: 1 }, /Unknown field 'extra'/],
      [{ name: 'x', kind: 'prompt', target: 'support/answer' }, /'arms' is required/],
      [{ name: 'x', kind: 'model', target: 'support/answer', arms }, /kind must be 'prompt' or 'route'/],
      [{ name: 'x', kind: 'prompt', target: 'support/answer', arms: [{ name: 'a', version: '1' }] }, /needs a prompt version/],
      [{ name: 'x', kind: 'prompt', target: 'support/answer', arms: [{ name: 'a', version: 1, weight: -1 }] }, /weights must be finite numbers ≥ 0/],
      [{ name: 'x', kind: 'prompt', target: 'support/answer', arms: [{ name: 'a', version: 1, wieght: 2 }] }, /unknown field 'wieght'/],
    ];
    for (const [payload, message] of cases) {
      const res = await post(payload);
      expect([res.statusCode, res.json<{ error: { message: string } }>().error.message]).toEqual([400, expect.stringMatching(message)]);
    }
    const broken = await app.inject({ method: 'POST', url: '/v1/experiments', headers: { ...as('developer:acme'), 'content-type': 'application/json' }, payload: '{"name":' });
    expect(broken.statusCode).toBe(400);
    const promote = await app.inject({ method: 'POST', url: `/v1/experiments/${await createExperiment()}/promote`, ...body({}) });
    expect([promote.statusCode, promote.json<{ error: { message: string } }>().error.message]).toEqual([400, expect.stringMatching(/Name the arm/)]);
    expect((await app.inject({ method: 'GET', url: '/v1/experiments?status=done', headers: as('developer:acme') })).statusCode).toBe(400);
  });

  it("keeps tenants apart: another tenant's experiment is 404, ?tenant= is for admins only", async () => {
    const id = await createExperiment('developer:globex');
    expect((await app.inject({ method: 'GET', url: `/v1/experiments/${id}`, headers: as('developer:acme') })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/v1/experiments/${id}/start`, headers: as('developer:acme') })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/v1/experiments/${id}?tenant=globex`, headers: as('developer:acme') })).statusCode).toBe(403);
    const admin = await app.inject({ method: 'GET', url: `/v1/experiments/${id}?tenant=globex`, headers: as('admin:ops') });
    expect(admin.json()).toMatchObject({ id, tenant: 'globex' });
    expect((await app.inject({ method: 'GET', url: '/v1/experiments', headers: as('invoker:acme') })).statusCode).toBe(403);
  });

  it('promotes an arm: the production label moves and the experiment stops', async () => {
    const id = await createExperiment();
    for (const e of (await app.inject({ method: 'GET', url: '/v1/experiments?status=running', headers: as('developer:acme') })).json<{ data: { id: string }[] }>().data) {
      await app.inject({ method: 'POST', url: `/v1/experiments/${e.id}/stop`, headers: as('developer:acme') });
    }
    await app.inject({ method: 'POST', url: `/v1/experiments/${id}/start`, headers: as('developer:acme') });
    const res = await app.inject({ method: 'POST', url: `/v1/experiments/${id}/promote`, ...body({ arm: 'treatment' }) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'stopped', promoted_arm: 'treatment', label: { name: 'support/answer', label: 'production', from: 1, to: 2, reason: `promoted from experiment ${id}` } });
    const label = await sql<{ version: number }>`select version from prompt_labels where tenant = 'acme' and name = 'support/answer' and label = 'production'`.execute(store.db);
    expect(Number(label.rows[0]!.version)).toBe(2);
  });
});

describe('POST /v1/feedback', () => {
  const acme = makeRecord({ tenant: 'acme' });
  const globex = makeRecord({ tenant: 'globex' });
  beforeAll(() => insertInvocations(store, [acme, globex]));
  const send = (payload: unknown, who = 'invoker:acme') => app.inject({ method: 'POST', url: '/v1/feedback', ...body(payload, who) });

  it('records thumbs or a score with 201, storing comments only for tenants that allow it', async () => {
    const res = await send({ invocation_id: acme.id, thumbs: 'up', comment: 'great' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ object: 'feedback', invocation_id: acme.id, thumbs: 'up', score: null, comment_stored: true });
    const stored = await sql<{ key_id: string; comment: string | null }>`select key_id, comment from feedback where invocation_id = ${acme.id}`.execute(store.db);
    expect(stored.rows).toEqual([{ key_id: 'k-invoker', comment: 'great' }]);

    const globexRes = await send({ invocation_id: globex.id, score: 0.4, comment: 'secret' }, 'invoker:globex');
    expect(globexRes.json()).toMatchObject({ score: 0.4, comment_stored: false, warning: expect.stringMatching(/not stored/) });
    const dropped = await sql<{ comment: string | null }>`select comment from feedback where invocation_id = ${globex.id}`.execute(store.db);
    expect(dropped.rows).toEqual([{ comment: null }]);
  });

  it("answers 404 for an unknown invocation or another tenant's, 400 for bad shapes", async () => {
    expect((await send({ invocation_id: globex.id, thumbs: 'up' })).statusCode).toBe(404);
    expect((await send({ invocation_id: 'inv_missing', thumbs: 'up' })).statusCode).toBe(404);
    for (const payload of [{ thumbs: 'up' }, { invocation_id: acme.id }, { invocation_id: acme.id, thumbs: 'sideways' }, { invocation_id: acme.id, score: '1' }, { invocation_id: acme.id, score: 2 }, { invocation_id: acme.id, thumbs: 'up', why: 1 }]) {
      const res = await send(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await send({ invocation_id: acme.id, thumbs: 'up' }, 'auditor:acme')).statusCode).toBe(403);
  });
});
