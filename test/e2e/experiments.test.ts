import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listInvocations } from '../../src/store/index.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// A/B experiments as a user runs them: prompt versions and route models split by subject, sticky,
// recorded with experiment and arm, judged with feedback, and promoted.
const CONFIG = `
models:
  local: { provider: local, id: extractive }
  alt: { provider: local, id: extractive }
routes:
  default: { models: [local] }
  ab: { models: [local, alt] }
`;

const promptYaml = (fact: string): string =>
  [
    'name: faq/answer',
    'type: chat',
    'variables:',
    '  question: { type: string, required: true }',
    'model: { route: default, temperature: 0 }',
    'messages:',
    '  - role: system',
    `    content: "Context:\\n[1] Strata ${fact}"`,
    '  - role: user',
    '    content: "{{question}}"',
    '',
  ].join('\n');

let srv: RunningStrata;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${srv.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${srv.adminKey!}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, unknown>, text };
}

beforeAll(async () => {
  srv = await startStrataServer(CONFIG, {}, { auth: true });
});
afterAll(async () => {
  await srv?.close();
});

describe('prompt experiments', () => {
  it('splits subjects between versions stickily, records the arm, takes feedback and promotes the winner', async () => {
    expect((await call('POST', '/v1/prompts', { yaml: promptYaml('retries throttled calls.') })).status).toBe(201);
    expect((await call('POST', '/v1/prompts', { yaml: promptYaml('caches deterministic answers.') })).status).toBe(201);
    expect((await call('PUT', '/v1/prompts/faq/answer/labels/production', { version: 1 })).status).toBe(200);
    const created = await call('POST', '/v1/experiments', { name: 'wording', kind: 'prompt', target: 'faq/answer', arms: [{ name: 'a', version: 1 }, { name: 'b', version: 2 }] });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    expect((await call('POST', `/v1/experiments/${id}/start`)).status).toBe(200);

    const ask = (subject: string) => call('POST', '/v1/prompts/faq/answer/completions', { label: 'production', variables: { question: 'What does Strata do?' } }, { 'x-strata-subject': subject });
    const seen = new Map<string, string>();
    for (let i = 0; i < 24; i++) {
      const r = await ask(`user-${i}`);
      expect(r.status, r.text).toBe(200);
      seen.set(`user-${i}`, r.headers.get('x-strata-prompt')!);
    }
    const versions = new Set(seen.values());
    expect(versions).toEqual(new Set(['faq/answer@1', 'faq/answer@2']));
    // sticky: the same subject gets the same version again
    for (const s of ['user-0', 'user-5', 'user-11']) expect((await ask(s)).headers.get('x-strata-prompt')).toBe(seen.get(s));

    await srv.strata.writer.flush();
    const recs = (await listInvocations(srv.strata.store, { limit: 100 })).filter((r) => r.experiment === id);
    expect(recs).toHaveLength(27);
    for (const r of recs) expect(r.prompt).toBe(r.arm === 'a' ? 'faq/answer@1' : 'faq/answer@2');

    const fb = await call('POST', '/v1/feedback', { invocation_id: recs[0]!.id, thumbs: 'up', comment: 'great answer' });
    expect(fb.status, fb.text).toBe(201);
    const shown = await call('GET', `/v1/experiments/${id}`);
    expect(shown.status).toBe(200);
    const results = shown.body.results as { arms: { arm: string; requests: number; feedback: { n: number } | null }[]; warnings: string[] };
    expect(results.arms.map((a) => a.requests).reduce((x, y) => x + y, 0)).toBe(27);
    expect(results.arms.find((a) => a.arm === recs[0]!.arm)!.feedback?.n).toBe(1);
    expect(results.warnings.join(' ')).toMatch(/at least 100/);
    expect(shown.body.table).toEqual(expect.stringContaining('a'));

    const promoted = await call('POST', `/v1/experiments/${id}/promote`, { arm: 'b' });
    expect(promoted.status, promoted.text).toBe(200);
    // the production label now points at b's version, and with the experiment stopped nobody is split
    for (const s of ['user-0', 'user-1', 'user-2']) {
      const r = await ask(s);
      expect(r.headers.get('x-strata-prompt')).toBe('faq/answer@2');
    }
    await srv.strata.writer.flush();
    const after = (await listInvocations(srv.strata.store, { limit: 3 }));
    for (const r of after) expect(r.experiment).toBeNull();
  });
});

describe('route experiments', () => {
  it('sends each subject to its arm model, stickily, and refuses a malformed subject', async () => {
    const created = await call('POST', '/v1/experiments', { name: 'models', kind: 'route', target: 'ab', arms: [{ name: 'main', model: 'local' }, { name: 'challenger', model: 'alt' }] });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    expect((await call('POST', `/v1/experiments/${id}/start`)).status).toBe(200);
    const chat = (subject: string) =>
      call('POST', '/v1/chat/completions', { model: 'ab', messages: [{ role: 'user', content: 'Context:\n[1] Sky is blue.\n\nWhat colour is the sky?' }] }, { 'x-strata-subject': subject });
    const models = new Map<string, string>();
    for (let i = 0; i < 20; i++) models.set(`s${i}`, (await chat(`s${i}`)).headers.get('x-strata-model')!);
    expect(new Set(models.values())).toEqual(new Set(['local', 'alt']));
    expect((await chat('s3')).headers.get('x-strata-model')).toBe(models.get('s3'));
    await srv.strata.writer.flush();
    const recs = (await listInvocations(srv.strata.store, { limit: 100 })).filter((r) => r.experiment === id);
    expect(recs).toHaveLength(21);
    for (const r of recs) expect(r.modelAnswered).toBe(r.arm === 'main' ? 'local' : 'alt');
    expect((await chat('x'.repeat(201))).status).toBe(400);
  });
});
