import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadPromptDir, parsePromptFile, parsePromptRef, PromptRegistry, type LabelChange, type PromptContent } from '../../src/prompts/index.js';
import type { Store } from '../../src/store/index.js';
import { testEngines, type TestDatabase } from '../store/engines.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { caught } from '../helpers/caught.js';

const engines = testEngines('prompts');
const dirs: string[] = [];
afterAll(async () => {
  for (const e of engines) await e.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ANSWER = `name: support/answer
type: chat
variables:
  question: { type: string, required: true }
  product: { type: string, default: Strata }
model: { route: support, temperature: 0 }
messages:
  - role: system
    content: You answer questions about {{product}} using only the sources given.
  - role: user
    content: "{{question}}"
`;
const REFORMATTED = `# same prompt, other formatting
messages: [{content: 'You answer questions about {{product}} using only the sources given.', role: system}, {role: user, content: '{{question}}'}]
model:
  temperature: 0.0
  route: support
variables: { product: { default: Strata, type: string }, question: { type: string, required: true } }
type: chat
name: support/answer
`;
const v1 = parsePromptFile(ANSWER, 'v1.yaml');
const v2 = parsePromptFile(ANSWER.replace('temperature: 0', 'temperature: 0.2'), 'v2.yaml');
const v3 = parsePromptFile(ANSWER.replace('only the sources', 'just the sources'), 'v3.yaml');
const dev = { actor: 'dana', actorRole: 'developer', reason: 'release 42' };

function textPrompt(name: string, template: string): PromptContent {
  return parsePromptFile(`name: ${name}\ntype: text\ntemplate: ${JSON.stringify(template)}\n`, `${name}.yaml`);
}

async function rowCounts(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['prompts', 'prompt_versions', 'prompt_labels', 'prompt_label_events']) {
    const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(store.db);
    out[table] = Number(r.rows[0]!.n);
  }
  return out;
}

describe('parsePromptRef', () => {
  it('reads a name with an optional label or version', () => {
    expect(parsePromptRef('support/answer')).toEqual({ name: 'support/answer', ref: {} });
    expect(parsePromptRef('support/answer@production')).toEqual({ name: 'support/answer', ref: { label: 'production' } });
    expect(parsePromptRef('support/answer@3')).toEqual({ name: 'support/answer', ref: { version: 3 } });
    for (const bad of ['', '@3', 'Support', 'a@', 'a@0', 'a@Prod', 'a@1.5', 'a@x@y']) expect(() => parsePromptRef(bad)).toThrow(/^Invalid/);
  });
});

describe.each(engines)('PromptRegistry on $name', (engine) => {
  let database: TestDatabase;
  let store: Store;
  let clock: FakeClock;
  let changes: LabelChange[];
  let registry: PromptRegistry;
  beforeEach(async () => {
    database = engine.database();
    store = await database.open();
    clock = new FakeClock();
    changes = [];
    registry = new PromptRegistry(store, { clock, onLabelChange: (c) => changes.push(c) });
    return () => store.close();
  });

  it('numbers versions, dedupes identical content and keeps latest on the newest', async () => {
    const first = await registry.push('acme', v1, { actor: 'ann', message: 'first' });
    expect(first.created).toBe(true);
    expect(first.version).toMatchObject({ tenant: 'acme', name: 'support/answer', version: 1, message: 'first', createdBy: 'ann', createdAt: clock.now(), content: v1 });
    clock.advance(1000);
    const same = await registry.push('acme', parsePromptFile(REFORMATTED, 'again.yaml'), { actor: 'bob', message: 'no-op' });
    expect(same).toEqual({ version: first.version, created: false });
    const second = await registry.push('acme', v2, { actor: 'bob' });
    expect(second).toMatchObject({ created: true, version: { version: 2, message: null } });
    // Reverting to older content is a new version: dedupe compares with the newest version only.
    const third = await registry.push('acme', v1, { actor: 'ann' });
    expect(third.version).toMatchObject({ version: 3, hash: first.version.hash });
    expect((await registry.versions('acme', 'support/answer')).map((v) => v.version)).toEqual([1, 2, 3]);
    expect(await registry.get('acme', 'support/answer')).toEqual(third.version);
    expect((await registry.get('acme', 'support/answer', { version: 2 })).content).toEqual(v2);
    expect((await registry.get('acme', 'support/answer', { label: 'latest' })).version).toBe(3);
    expect((await registry.history('acme', 'support/answer')).map((e) => [e.label, e.kind, e.from, e.to, e.actor])).toEqual([
      ['latest', 'push', null, 1, 'ann'],
      ['latest', 'push', 1, 2, 'bob'],
      ['latest', 'push', 2, 3, 'ann'],
    ]);
    expect(changes.map((c) => [c.tenant, c.name, c.label, c.event.to])).toEqual([
      ['acme', 'support/answer', 'latest', 1],
      ['acme', 'support/answer', 'latest', 2],
      ['acme', 'support/answer', 'latest', 3],
    ]);
  });

  it('says which part of a reference is unknown', async () => {
    await registry.push('acme', v1, { actor: 'ann' });
    await expect(registry.get('acme', 'support/other')).rejects.toMatchObject({ code: 'not_found', message: "No prompt 'support/other' in tenant 'acme'; push it first ('strata prompts push')." });
    await expect(registry.get('acme', 'support/answer', { label: 'production' })).rejects.toMatchObject({ code: 'not_found', message: "Prompt 'support/answer' has no label 'production' (labels: latest@1)." });
    await expect(registry.get('acme', 'support/answer', { version: 7 })).rejects.toMatchObject({ code: 'not_found', message: "Prompt 'support/answer' has no version 7 (it has versions 1-1)." });
    await expect(registry.get('acme', 'Support/Answer')).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^Invalid prompt name "Support\/Answer"/) });
    await expect(registry.get('acme', 'support/answer', { version: 1, label: 'latest' })).rejects.toMatchObject({ code: 'invalid_request' });
    for (const call of [() => registry.versions('acme', 'nope'), () => registry.labels('acme', 'nope'), () => registry.history('acme', 'nope'), () => registry.rollback('acme', 'nope', 'prod', dev)]) {
      expect(await caught(call())).toMatchObject({ code: 'not_found' });
    }
  });

  it('moves labels, records who, when, from and to, and tells the listener after commit', async () => {
    await registry.push('acme', v1, { actor: 'ann' });
    await registry.push('acme', v2, { actor: 'ann' });
    changes.length = 0;
    clock.advance(10);
    const created = await registry.setLabel('acme', 'support/answer', 'production', 1, { actor: 'ops' });
    expect(created).toEqual({ label: 'production', kind: 'set', from: null, to: 1, actor: 'ops', reason: null, at: clock.now() });
    clock.advance(10);
    const moved = await registry.setLabel('acme', 'support/answer', 'production', 2, { actor: 'ops', reason: ' looks good ' });
    expect(moved).toMatchObject({ from: 1, to: 2, reason: 'looks good' });
    const again = await registry.setLabel('acme', 'support/answer', 'production', 2, { actor: 'ops' });
    expect(again).toMatchObject({ from: 2, to: 2 });
    expect(changes.map((c) => c.event)).toEqual([created, moved]);
    expect(await registry.labels('acme', 'support/answer')).toEqual([
      { label: 'latest', version: 2, protected: false, updatedAt: clock.now() - 20, updatedBy: 'ann' },
      { label: 'production', version: 2, protected: false, updatedAt: clock.now(), updatedBy: 'ops' },
    ]);
    expect((await registry.get('acme', 'support/answer', { label: 'production' })).version).toBe(2);
    const removed = await registry.removeLabel('acme', 'support/answer', 'production', { actor: 'ops' });
    expect(removed).toMatchObject({ kind: 'remove', from: 2, to: null });
    await expect(registry.get('acme', 'support/answer', { label: 'production' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(registry.removeLabel('acme', 'support/answer', 'production', { actor: 'ops' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await registry.history('acme', 'support/answer', 'production')).map((e) => [e.from, e.to])).toEqual([
      [null, 1],
      [1, 2],
      [2, null],
    ]);
    // push --label moves the label with the version, in the same transaction
    const pushed = await registry.push('acme', v3, { actor: 'ci', label: 'staging' });
    expect(pushed.labelEvent).toMatchObject({ label: 'staging', kind: 'push', from: null, to: 3 });
    expect(await registry.push('acme', v3, { actor: 'ci', label: 'staging' })).toEqual({ version: pushed.version, created: false });
  });

  it('rolls back one move at a time and keeps the whole history', async () => {
    for (const c of [v1, v2, v3]) await registry.push('acme', c, { actor: 'ann' });
    for (const v of [1, 2, 3]) await registry.setLabel('acme', 'support/answer', 'production', v, { actor: 'ops' });
    const back1 = await registry.rollback('acme', 'support/answer', 'production', { actor: 'ops', reason: 'bad answers' });
    expect(back1).toMatchObject({ kind: 'rollback', from: 3, to: 2, reason: 'bad answers' });
    const back2 = await registry.rollback('acme', 'support/answer', 'production', { actor: 'ops' });
    expect(back2).toMatchObject({ from: 2, to: 1 });
    expect((await registry.get('acme', 'support/answer', { label: 'production' })).version).toBe(1);
    // a new move after rollbacks is undone first; then the rollbacks continue where they were
    await registry.setLabel('acme', 'support/answer', 'production', 3, { actor: 'ops' });
    expect(await registry.rollback('acme', 'support/answer', 'production', { actor: 'ops' })).toMatchObject({ from: 3, to: 1 });
    // the label did not exist before its first move: rolling that back removes it
    expect(await registry.rollback('acme', 'support/answer', 'production', { actor: 'ops' })).toMatchObject({ from: 1, to: null });
    await expect(registry.rollback('acme', 'support/answer', 'production', { actor: 'ops' })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/no earlier position/) });
    expect((await registry.history('acme', 'support/answer', 'production')).map((e) => `${e.kind}:${e.from}->${e.to}`)).toEqual([
      'set:null->1',
      'set:1->2',
      'set:2->3',
      'rollback:3->2',
      'rollback:2->1',
      'set:1->3',
      'rollback:3->1',
      'rollback:1->null',
    ]);
    expect(changes.filter((c) => c.label === 'production')).toHaveLength(8);
  });

  it('lets only admin and developer keys with a reason change protected labels', async () => {
    await registry.push('acme', v1, { actor: 'ann' });
    await registry.push('acme', v2, { actor: 'ann' });
    await expect(registry.setLabel('acme', 'support/answer', 'production', 1, { actor: 'x', actorRole: 'invoker', reason: 'r', protect: true })).rejects.toMatchObject({ code: 'forbidden', status: 403 });
    await registry.setLabel('acme', 'support/answer', 'production', 1, { ...dev, protect: true });
    expect((await registry.labels('acme', 'support/answer')).find((l) => l.label === 'production')?.protected).toBe(true);
    const before = await rowCounts(store);
    const refusals = [
      () => registry.setLabel('acme', 'support/answer', 'production', 2, { actor: 'x', actorRole: 'invoker', reason: 'r' }),
      () => registry.setLabel('acme', 'support/answer', 'production', 2, { actor: 'x' }),
      () => registry.setLabel('acme', 'support/answer', 'production', 2, { actor: 'x', actorRole: 'developer' }),
      () => registry.setLabel('acme', 'support/answer', 'production', 2, { actor: 'x', actorRole: 'developer', reason: '   ' }),
      () => registry.setLabel('acme', 'support/answer', 'production', 1, { actor: 'x', actorRole: 'auditor', reason: 'r', protect: false }),
      () => registry.removeLabel('acme', 'support/answer', 'production', { actor: 'x', actorRole: 'invoker', reason: 'r' }),
      () => registry.rollback('acme', 'support/answer', 'production', { actor: 'x', actorRole: 'developer' }),
      () => registry.push('acme', v3, { actor: 'ci', label: 'production', actorRole: 'invoker', reason: 'r' }),
    ];
    for (const call of refusals) expect(await caught(call())).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/^Label 'production' of prompt 'support\/answer' is protected/) });
    // nothing half-written: the refused push left no version behind
    expect(await rowCounts(store)).toEqual(before);
    expect(await registry.setLabel('acme', 'support/answer', 'production', 2, dev)).toMatchObject({ from: 1, to: 2, reason: 'release 42' });
    expect(await registry.rollback('acme', 'support/answer', 'production', { actor: 'root', actorRole: 'admin', reason: 'regression' })).toMatchObject({ from: 2, to: 1 });
    // setting a protected label where it already is changes nothing, so needs no authority
    expect(await registry.setLabel('acme', 'support/answer', 'production', 1, { actor: 'x' })).toMatchObject({ from: 1, to: 1 });
    await registry.setLabel('acme', 'support/answer', 'production', 1, { ...dev, protect: false });
    expect(await registry.setLabel('acme', 'support/answer', 'production', 2, { actor: 'x', actorRole: 'invoker' })).toMatchObject({ from: 1, to: 2 });
  });

  it('refuses bad input with clear errors and writes nothing', async () => {
    await registry.push('acme', v1, { actor: 'ann' });
    const before = await rowCounts(store);
    expect(before).toEqual({ prompts: 1, prompt_versions: 1, prompt_labels: 1, prompt_label_events: 1 });
    const cases: [() => Promise<unknown>, string, RegExp][] = [
      [() => registry.setLabel('acme', 'support/answer', 'production', 5, { actor: 'ops' }), 'not_found', /^Prompt 'support\/answer' has no version 5 \(it has versions 1-1\); label 'production' was not moved\.$/],
      [() => registry.setLabel('acme', 'support/answer', 'latest', 1, { actor: 'ops' }), 'invalid_request', /'latest' label follows the newest version automatically; it cannot be set by hand/],
      [() => registry.removeLabel('acme', 'support/answer', 'latest', { actor: 'ops' }), 'invalid_request', /cannot be removed by hand/],
      [() => registry.rollback('acme', 'support/answer', 'latest', { actor: 'ops' }), 'invalid_request', /cannot be rolled back by hand/],
      [() => registry.setLabel('acme', 'support/answer', 'Prod', 1, { actor: 'ops' }), 'invalid_request', /^Invalid label "Prod"/],
      [() => registry.setLabel('acme', 'support/answer', 'a'.repeat(33), 1, { actor: 'ops' }), 'invalid_request', /^Invalid label/],
      [() => registry.setLabel('acme', 'support/answer', 'production', 0, { actor: 'ops' }), 'invalid_request', /^Invalid version 0/],
      [() => registry.setLabel('acme', 'support/nope', 'production', 1, { actor: 'ops' }), 'not_found', /^No prompt 'support\/nope'/],
      [() => registry.setLabel('acme', 'support/answer', 'production', 1, { actor: ' ' }), 'invalid_request', /actor/],
      [() => registry.push('acme', v2, { actor: 'ann', label: 'Bad Label' }), 'invalid_request', /^Invalid label/],
      [() => registry.push('acme', v2, { actor: 'ann', label: 'latest' }), 'invalid_request', /cannot be set by hand/],
      [() => registry.push('acme', { ...v2, name: 'Bad/Name' }, { actor: 'ann' }), 'invalid_request', /name: invalid prompt name/],
      [() => registry.push('acme', { ...v2, messages: [{ role: 'user', content: '{{ nope }}' }] }, { actor: 'ann' }), 'invalid_request', /undeclared variable 'nope'/],
      [() => registry.push('acme', { ...v2, extra: 1 } as PromptContent, { actor: 'ann' }), 'invalid_request', /extra: unknown field/],
      [() => registry.push('', v2, { actor: 'ann' }), 'invalid_request', /tenant/],
    ];
    for (const [call, code, message] of cases) expect(await caught(call())).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(await rowCounts(store)).toEqual(before);
  });

  it('pushes nothing from a directory with one malformed file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-push-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.yaml'), ANSWER);
    writeFileSync(join(dir, 'b.yaml'), 'name: b\ntype: text\ntemplate: {{ oops\n');
    const push = async (): Promise<void> => {
      const { files } = await loadPromptDir(dir);
      for (const f of files) await registry.push('acme', f.content, { actor: 'ci', message: f.message });
    };
    expect(await caught(push())).toMatchObject({ code: 'invalid_request', message: expect.stringContaining(join(dir, 'b.yaml')) });
    expect(await rowCounts(store)).toEqual({ prompts: 0, prompt_versions: 0, prompt_labels: 0, prompt_label_events: 0 });
    writeFileSync(join(dir, 'b.yaml'), 'name: b\ntype: text\ntemplate: "{{ oops }}"\nvariables: { oops: { type: string } }\n');
    await push();
    await push(); // idempotent
    expect(await rowCounts(store)).toEqual({ prompts: 2, prompt_versions: 2, prompt_labels: 2, prompt_label_events: 2 });
  });

  it('lists prompts with their labels, latest version, type and last change', async () => {
    await registry.push('acme', v1, { actor: 'ann' });
    clock.advance(5);
    await registry.push('acme', textPrompt('aa/first', 'hello'), { actor: 'ann' });
    clock.advance(5);
    await registry.push('acme', v2, { actor: 'ann' });
    clock.advance(5);
    await registry.setLabel('acme', 'support/answer', 'production', 1, { actor: 'ops' });
    const t0 = clock.now() - 15;
    expect(await registry.list('acme')).toEqual([
      { name: 'aa/first', type: 'text', latest: 1, labels: { latest: 1 }, updatedAt: t0 + 5 },
      { name: 'support/answer', type: 'chat', latest: 2, labels: { latest: 2, production: 1 }, updatedAt: t0 + 15 },
    ]);
    // a prompt may change type between versions; the list shows the newest
    await registry.push('acme', textPrompt('support/answer', 'now text'), { actor: 'ann' });
    expect((await registry.list('acme'))[1]).toMatchObject({ type: 'text', latest: 3 });
    expect(await registry.list('globex')).toEqual([]);
  });

  it('keeps tenants apart: one name in two tenants is two prompts', async () => {
    await registry.push('acme', v1, { actor: 'ann' });
    await registry.push('acme', v2, { actor: 'ann' });
    const g = await registry.push('globex', v3, { actor: 'gil' });
    expect(g).toMatchObject({ created: true, version: { tenant: 'globex', version: 1 } });
    await registry.setLabel('acme', 'support/answer', 'production', 2, { actor: 'ops' });
    expect((await registry.get('globex', 'support/answer')).content).toEqual(v3);
    expect((await registry.get('acme', 'support/answer')).content).toEqual(v2);
    await expect(registry.get('globex', 'support/answer', { label: 'production' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(registry.get('globex', 'support/answer', { version: 2 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(registry.setLabel('globex', 'support/answer', 'production', 2, { actor: 'ops' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(registry.get('initech', 'support/answer')).rejects.toMatchObject({ code: 'not_found' });
    expect((await registry.history('globex', 'support/answer')).map((e) => e.to)).toEqual([1]);
    expect((await registry.list('globex')).map((p) => [p.name, p.latest])).toEqual([['support/answer', 1]]);
  });

  it('diffs two versions as prompt files', async () => {
    await registry.push('acme', v1, { actor: 'ann' });
    await registry.push('acme', v2, { actor: 'ann' });
    await registry.setLabel('acme', 'support/answer', 'production', 1, { actor: 'ops' });
    const out = await registry.diff('acme', 'support/answer', { label: 'production' }, {});
    expect(out).toBe(
      [
        '--- support/answer@1',
        '+++ support/answer@2',
        '@@ -10,7 +10,7 @@',
        '     required: true',
        ' model:',
        '   route: support',
        '-  temperature: 0',
        '+  temperature: 0.2',
        ' messages:',
        '   - role: system',
        '     content: You answer questions about {{product}} using only the sources given.',
        '',
      ].join('\n'),
    );
    expect(await registry.diff('acme', 'support/answer', { version: 1 }, { label: 'production' })).toBe('');
    await expect(registry.diff('acme', 'support/answer', { version: 1 }, { version: 9 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('gives concurrent pushes of different content distinct consecutive versions', async () => {
    const contents = Array.from({ length: 12 }, (_, i) => textPrompt('load/test', `variant ${i}`));
    // On PostgreSQL a second store is a second connection pool, as a second replica would have: the
    // pushes really overlap. SQLite allows one store per file per process, and is single-writer anyway.
    const storeB = store.dialect === 'postgres' ? await database.open() : undefined;
    try {
      const registryB = storeB === undefined ? registry : new PromptRegistry(storeB, { clock });
      const results = await Promise.all(contents.map((c, i) => (i % 2 === 0 ? registry : registryB).push('acme', c, { actor: `w${i}` })));
      expect(results.map((r) => r.version.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(results.every((r) => r.created)).toBe(true);
    } finally {
      await storeB?.close();
    }
    const latest = await registry.history('acme', 'load/test', 'latest');
    // one unbroken chain of moves: each starts where the previous one ended
    expect(latest).toHaveLength(12);
    expect(latest.map((e) => e.from)).toEqual([null, ...latest.slice(0, -1).map((e) => e.to)]);
    expect((await registry.get('acme', 'load/test')).version).toBe(latest.at(-1)!.to);
  });

  it('does not report a committed write as failed when the listener throws', async () => {
    const loud = new PromptRegistry(store, {
      clock,
      onLabelChange: () => {
        throw new Error('listener broke');
      },
    });
    expect((await loud.push('acme', v1, { actor: 'ann' })).created).toBe(true);
    expect((await registry.get('acme', 'support/answer')).version).toBe(1);
  });
});
