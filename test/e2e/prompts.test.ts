import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInvocation } from '../../src/store/index.js';
import { TEST_DATABASE_URL, freshSchema, type FreshSchema } from '../helpers/postgres.js';
import { runCli, spawnServe, type ServeProcess } from '../helpers/spawn-strata.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// The prompt registry over HTTP and prompt completions through the openai SDK, against the real server.
const CONFIG = `
routes:
  default: { models: [local] }
  support: { models: [local], prompt: support/answer@production }
`;

function promptYaml(fact: string): string {
  return [
    'name: support/answer',
    'type: chat',
    'description: Answers customer questions',
    'variables:',
    '  input: { type: string, required: true }',
    '  product: { type: string, default: Strata }',
    'model: { route: default, temperature: 0 }',
    'messages:',
    '  - role: system',
    `    content: "Context:\\n[1] {{product}} ${fact}\\n[2] Bananas are rich in potassium."`,
    '  - role: user',
    '    content: "{{input}}"',
    '',
  ].join('\n');
}

let srv: RunningStrata;
let invokerKey: string;
let developerKey: string;
let otherTenantKey: string;

async function call(method: string, path: string, opts: { key?: string; body?: unknown } = {}) {
  const res = await fetch(`${srv.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${opts.key ?? srv.adminKey!}`, ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body: body as Record<string, unknown> & { data?: Record<string, unknown>[]; error?: { code: string; message: string } }, text };
}

beforeAll(async () => {
  srv = await startStrataServer(CONFIG, {}, { auth: true });
  invokerKey = (await srv.strata.keys.create({ tenant: 'default', role: 'invoker' })).key;
  developerKey = (await srv.strata.keys.create({ tenant: 'default', role: 'developer' })).key;
  otherTenantKey = (await srv.strata.keys.create({ tenant: 'globex', role: 'developer' })).key;
});

afterAll(async () => {
  await srv?.close();
});

describe('/v1/prompts registry API', () => {
  it('pushes idempotently, lists, shows by name, label and version, and moves labels with history', async () => {
    const first = await call('POST', '/v1/prompts', { body: { yaml: promptYaml('routes every request through retries.'), message: 'first' } });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ created: true, version: { name: 'support/answer', version: 1, ref: 'support/answer@1', message: 'first' } });
    const again = await call('POST', '/v1/prompts', { body: { yaml: promptYaml('routes every request through retries.') } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, version: { version: 1 } });
    const second = await call('POST', '/v1/prompts', { body: { yaml: promptYaml('shows latency and cost per tenant.') } });
    expect(second.body).toMatchObject({ created: true, version: { version: 2 } });

    const list = await call('GET', '/v1/prompts');
    expect(list.body.data).toEqual([expect.objectContaining({ name: 'support/answer', type: 'chat', latest: 2, labels: { latest: 2 } })]);
    expect((await call('GET', '/v1/prompts/support/answer')).body).toMatchObject({ version: 2 });
    expect((await call('GET', '/v1/prompts/support/answer@1')).body).toMatchObject({ version: 1 });
    const missingLabel = await call('GET', '/v1/prompts/support/answer@production');
    expect(missingLabel.status).toBe(404);
    expect(missingLabel.body.error).toMatchObject({ code: 'not_found' });

    const moved = await call('PUT', '/v1/prompts/support/answer/labels/production', { body: { version: 1, reason: 'first release' } });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ label: 'production', from: null, to: 1, reason: 'first release' });
    expect((await call('GET', '/v1/prompts/support/answer@production')).body).toMatchObject({ version: 1 });
    expect((await call('GET', '/v1/prompts/support/answer/versions')).body.data!.map((v) => v.version)).toEqual([1, 2]);
    expect((await call('GET', '/v1/prompts/support/answer/labels')).body.data!.map((l) => `${String(l.label)}@${String(l.version)}`)).toEqual(['latest@2', 'production@1']);

    await call('POST', '/v1/prompts/support/answer/labels/production', { body: { version: 2 } });
    const rolled = await call('POST', '/v1/prompts/support/answer/rollback', { body: { label: 'production', reason: 'bad answers' } });
    expect(rolled.body).toMatchObject({ label: 'production', kind: 'rollback', from: 2, to: 1 });
    const history = await call('GET', '/v1/prompts/support/answer/history?label=production');
    expect(history.body.data!.map((e) => [e.kind, e.from, e.to])).toEqual([
      ['set', null, 1],
      ['set', 1, 2],
      ['rollback', 2, 1],
    ]);
    expect(String(history.body.data![0]!.actor)).toMatch(/^key:[0-9a-f]{16}$/);

    const diff = await call('GET', '/v1/prompts/support/answer/diff?a=production&b=2');
    expect(diff.body).toMatchObject({ identical: false });
    expect(String(diff.body.diff)).toContain('--- support/answer@1');
    expect(String(diff.body.diff)).toContain('+      [1] {{product}} shows latency and cost per tenant.');
  });

  it('answers bad input with clear 4xx errors', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['GET', '/v1/prompts/nope', undefined, 404, 'not_found'],
      ['GET', '/v1/prompts/support/answer@7', undefined, 404, 'not_found'],
      ['GET', '/v1/prompts/Bad Name', undefined, 400, 'invalid_request'],
      ['POST', '/v1/prompts', { yaml: 'name: x\ntype: chat\nmessages: [{role: user, content: "{{unclosed"}]\n' }, 400, 'invalid_request'],
      ['POST', '/v1/prompts', [1, 2], 400, 'invalid_request'],
      ['PUT', '/v1/prompts/support/answer/labels/production', { version: 'two' }, 400, 'invalid_request'],
      ['PUT', '/v1/prompts/support/answer/labels/production', { version: 99 }, 404, 'not_found'],
      ['PUT', '/v1/prompts/support/answer/labels/latest', { version: 1 }, 400, 'invalid_request'],
      ['GET', '/v1/prompts/support/answer/diff?a=1', undefined, 400, 'invalid_request'],
      ['POST', '/v1/prompts/support/answer/completions', { variables: {} }, 400, 'invalid_request'],
      ['POST', '/v1/prompts/support/answer/completions', { variables: { input: 'x', extra: 1 } }, 400, 'invalid_request'],
      ['POST', '/v1/prompts/support/answer/completions', { variables: { input: 'x' }, label: 'production', version: 1 }, 400, 'invalid_request'],
      ['DELETE', '/v1/prompts/support/answer/labels/canary', undefined, 404, 'not_found'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await call(method, path, { body });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
      expect(res.body.error?.code, path).toBe(code);
    }
  });

  it('guards writes by role, keeps tenants apart and enforces protected labels', async () => {
    // an invoker may call prompt completions but not read or change the registry
    expect((await call('GET', '/v1/prompts', { key: invokerKey })).status).toBe(403);
    expect((await call('POST', '/v1/prompts', { key: invokerKey, body: { yaml: promptYaml('x') } })).status).toBe(403);
    expect((await call('POST', '/v1/prompts/support/answer/completions', { key: invokerKey, body: { variables: { input: 'What does Strata do?' } } })).status).toBe(200);
    // another tenant sees nothing of tenant default, and may not ask for it
    expect((await call('GET', '/v1/prompts/support/answer', { key: otherTenantKey })).status).toBe(404);
    expect((await call('GET', '/v1/prompts?tenant=default', { key: otherTenantKey })).status).toBe(403);
    // an admin may act on another tenant
    expect((await call('GET', '/v1/prompts?tenant=globex')).body.data).toEqual([]);

    // an encoded '/' cannot dress a label move up as a completion: auth and the handler read the same decoded path
    expect((await call('PUT', '/v1/prompts/support/answer/labels/production%2Fcompletions', { key: invokerKey, body: { version: 2 } })).status).toBe(403);
    const disguised = await call('POST', '/v1/prompts/support/answer/labels/production%2Fcompletions', { key: invokerKey, body: { version: 2 } });
    expect(disguised.status, disguised.text).toBe(404); // a completion of a prompt named 'support/answer/labels/production'
    expect((await call('GET', '/v1/prompts/support/answer@production')).body).toMatchObject({ version: 1 });

    const protect = await call('PUT', '/v1/prompts/support/answer/labels/stable', { key: developerKey, body: { version: 1, protect: true, reason: 'audited' } });
    expect(protect.status, protect.text).toBe(200);
    const noReason = await call('PUT', '/v1/prompts/support/answer/labels/stable', { key: developerKey, body: { version: 2 } });
    expect(noReason.status).toBe(403);
    expect(noReason.body.error?.code).toBe('forbidden');
  });
});

describe('prompt completions', () => {
  let client: OpenAI;
  beforeAll(() => {
    client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: srv.adminKey!, maxRetries: 0 });
  });

  it('renders the label through the openai SDK and records the resolved version, never the label', async () => {
    const { data, response } = await client
      .post<OpenAI.ChatCompletion>('/prompts/support/answer/completions', { body: { variables: { input: 'How are requests handled?' }, label: 'production' } })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]!.message.content).toContain('retries');
    expect(response.headers.get('x-strata-prompt')).toBe('support/answer@1');
    const id = response.headers.get('x-strata-invocation-id')!;
    await srv.strata.writer.flush();
    const rec = await getInvocation(srv.strata.store, id);
    expect(rec).toMatchObject({ prompt: 'support/answer@1', route: 'default', status: 'ok' });
  });

  it('streams, pins versions and follows a moved label at once, through the SDK with its baseURL on the prompt', async () => {
    const pinned = new OpenAI({ baseURL: `${srv.url}/v1/prompts/support/answer@2`, apiKey: srv.adminKey!, maxRetries: 0 });
    const params = { model: 'default', messages: [], variables: { input: 'What does the dashboard show?' }, stream: true } as unknown as OpenAI.ChatCompletionCreateParamsStreaming;
    const { data: stream, response } = await pinned.chat.completions.create(params).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('latency');
    expect(response.headers.get('x-strata-prompt')).toBe('support/answer@2');

    const ask = () => client.post<OpenAI.ChatCompletion>('/prompts/support/answer/completions', { body: { variables: { input: 'q' } } }).withResponse();
    expect((await ask()).response.headers.get('x-strata-prompt')).toBe('support/answer@2'); // latest
    await call('POST', '/v1/prompts', { body: { yaml: promptYaml('keeps an audit log.') } });
    expect((await ask()).response.headers.get('x-strata-prompt')).toBe('support/answer@3');
  });

  it('renders the prompt bound to a route for plain chat completions (last user message → input)', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'support', messages: [{ role: 'user', content: 'How are requests handled?' }], strata_variables: { product: 'Acme' } } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
    expect(response.headers.get('x-strata-prompt')).toBe('support/answer@1');
    expect(data.choices[0]!.message.content).toContain('Acme routes every request');
    await srv.strata.writer.flush();
    const rec = await getInvocation(srv.strata.store, response.headers.get('x-strata-invocation-id')!);
    expect(rec).toMatchObject({ prompt: 'support/answer@1', route: 'support' });
    // the default route has no prompt: no header, nothing recorded
    const plain = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(plain.response.headers.get('x-strata-prompt')).toBeNull();
  });
});

describe.skipIf(!TEST_DATABASE_URL)('two strata serve processes on one PostgreSQL', () => {
  let schema: FreshSchema;
  let homes: string[] = [];
  let a: ServeProcess;
  let b: ServeProcess;
  let databaseUrl: string;

  beforeAll(async () => {
    schema = freshSchema(TEST_DATABASE_URL!, 'replicas');
    const setup = new pg.Client({ connectionString: TEST_DATABASE_URL! });
    await setup.connect();
    await setup.query(`create schema "${schema.schema}"`);
    await setup.end();
    // both processes use the schema through the URL, as a deployment would
    databaseUrl = `${TEST_DATABASE_URL!}${TEST_DATABASE_URL!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;
    homes = [mkdtempSync(join(tmpdir(), 'strata-replica-a-')), mkdtempSync(join(tmpdir(), 'strata-replica-b-'))];
    const config = join(homes[0]!, 'strata.yaml');
    writeFileSync(config, 'routes:\n  default: { models: [local] }\n');
    const env = (home: string): NodeJS.ProcessEnv => ({ STRATA_HOME: home, STRATA_DATABASE_URL: databaseUrl, STRATA_REDIS_URL: '', STRATA_CONFIG: '' });
    // one after the other: the first start on an empty store creates the admin key both then share
    a = await spawnServe(['--config', config], env(homes[0]!));
    b = await spawnServe(['--config', config], env(homes[1]!));
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    for (const h of homes) rmSync(h, { recursive: true, force: true });
    await schema?.drop();
  });

  it('a label moved through one (or by the CLI) is served by the other within one second', async () => {
    const auth = { ...a.auth, 'content-type': 'application/json' };
    const send = (server: ServeProcess, method: string, path: string, body: unknown) => fetch(`${server.url}${path}`, { method, headers: auth, body: JSON.stringify(body) });
    expect((await send(a, 'POST', '/v1/prompts', { yaml: promptYaml('routes every request through retries.') })).status).toBe(201);
    expect((await send(a, 'POST', '/v1/prompts', { yaml: promptYaml('shows latency and cost per tenant.') })).status).toBe(201);
    expect((await send(a, 'PUT', '/v1/prompts/support/answer/labels/production', { version: 1 })).status).toBe(200);
    const servedByB = async (): Promise<string | null> => {
      const res = await send(b, 'POST', '/v1/prompts/support/answer/completions', { label: 'production', variables: { input: 'q' } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      return res.headers.get('x-strata-prompt');
    };
    expect(await servedByB()).toBe('support/answer@1'); // B now holds production → 1 in its cache

    /** Polls B until it serves `want`; resolves with the time it took from `since`, or the last answer after 1 s. */
    const switchTime = async (want: string, since: number): Promise<{ ms: number; last: string | null }> => {
      let last: string | null = null;
      while (performance.now() - since < 1000) {
        last = await servedByB();
        if (last === want) return { ms: performance.now() - since, last };
      }
      return { ms: Infinity, last };
    };

    const moved = await send(a, 'PUT', '/v1/prompts/support/answer/labels/production', { version: 2, reason: 'release 2' });
    const since = performance.now();
    expect(moved.status).toBe(200);
    const viaServer = await switchTime('support/answer@2', since);
    expect(viaServer.last).toBe('support/answer@2');
    expect(viaServer.ms).toBeLessThan(1000);

    // a CLI run against the same database tells running servers too
    const cli = await runCli(['prompts', 'rollback', 'support/answer', '--label', 'production'], { env: { STRATA_DATABASE_URL: databaseUrl, STRATA_HOME: homes[0]!, STRATA_REDIS_URL: '' } });
    const afterCli = performance.now();
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('production of support/answer: 2 → 1');
    const viaCli = await switchTime('support/answer@1', afterCli);
    expect(viaCli.last).toBe('support/answer@1');
    expect(viaCli.ms).toBeLessThan(1000);
  });
});

describe('strata prompts CLI (embedded store)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-prompts-cli-'));
    env = { STRATA_HOME: join(dir, 'home'), STRATA_DATABASE_URL: '', STRATA_REDIS_URL: '', STRATA_CONFIG: '' };
    mkdirSync(join(dir, 'prompts', 'support'), { recursive: true });
    writeFileSync(join(dir, 'prompts', 'support', 'answer.yaml'), promptYaml('routes every request through retries.'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) => runCli(['prompts', ...args], { env });

  it('pushes idempotently, then lists, shows, labels, rolls back, diffs and prints history', async () => {
    const first = await cli('push', join(dir, 'prompts'), '--label', 'staging');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^created\s+support\/answer@1\s+support\/answer\.yaml\s+staging: \(none\) → 1$/m);
    const again = await cli('push', join(dir, 'prompts'), '--json');
    expect(JSON.parse(again.stdout)).toEqual({ data: [{ path: 'support/answer.yaml', name: 'support/answer', version: 1, created: false }] });
    writeFileSync(join(dir, 'prompts', 'support', 'answer.yaml'), promptYaml('shows latency and cost per tenant.'));
    expect((await cli('push', join(dir, 'prompts'))).stdout).toMatch(/^created\s+support\/answer@2/m);

    const list = await cli('list');
    expect(list.stdout).toMatch(/support\/answer\s+chat\s+2\s+staging@1/);
    const show = await cli('show', 'support/answer@staging');
    expect(show.stdout).toContain('# support/answer@1');
    expect(show.stdout).toContain('routes every request through retries.');
    expect(JSON.parse((await cli('show', 'support/answer', '--json')).stdout)).toMatchObject({ version: 2, ref: 'support/answer@2' });

    expect((await cli('label', 'support/answer', '1', 'production', '--reason', 'first release')).stdout).toContain('Moved production of support/answer: (none) → 1.');
    expect((await cli('label', 'support/answer', '2', 'production')).stdout).toContain('1 → 2');
    expect((await cli('rollback', 'support/answer')).stdout).toContain('Rolled back production of support/answer: 2 → 1.');
    const diff = await cli('diff', 'support/answer', 'production', '2');
    expect(diff.stdout).toContain('--- support/answer@1\n+++ support/answer@2');
    expect(diff.stdout).toContain('+      [1] {{product}} shows latency and cost per tenant.');
    const history = await cli('history', 'support/answer', '--label', 'production', '--json');
    expect((JSON.parse(history.stdout) as { data: { kind: string; reason: string | null; actor: string }[] }).data.map((e) => [e.kind, e.reason])).toEqual([
      ['set', 'first release'],
      ['set', null],
      ['rollback', null],
    ]);
    expect((await cli('--help')).stdout).toMatch(/push.*\n.*list/s);
  }, 120_000);

  it('refuses bad input with a one-line reason and a non-zero exit, writing nothing', async () => {
    mkdirSync(join(dir, 'bad'), { recursive: true });
    writeFileSync(join(dir, 'bad', 'broken.yaml'), 'name: support/answer\ntype: chat\nmessages: [{role: user, content: "{{oops"}]\n');
    const cases: string[][] = [
      ['push', join(dir, 'bad')],
      ['push', join(dir, 'no-such-dir')],
      ['show', 'Bad Name'],
      ['show', 'support/answer@9'],
      ['label', 'support/answer', 'two', 'production'],
      ['label', 'support/answer', '1', 'latest'],
      ['diff', 'support/answer', '1', '7'],
      ['list', '--tenant', 'Not A Tenant'],
    ];
    for (const args of cases) {
      const run = await cli(...args);
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr.trim().split('\n').length, `${args.join(' ')}: ${run.stderr}`).toBeLessThanOrEqual(3);
      expect(run.stderr, args.join(' ')).toMatch(/^strata: |error:/);
    }
    // the broken push wrote no version
    expect(JSON.parse((await cli('show', 'support/answer', '--json')).stdout)).toMatchObject({ version: 2 });
  }, 120_000);
});
