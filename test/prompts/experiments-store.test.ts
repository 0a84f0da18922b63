import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { sql } from 'kysely';
import { parseArmFlag, registerExperimentsCommand } from '../../src/cli/commands/experiments.js';
import { ExperimentStore, type CreateExperimentInput } from '../../src/prompts/experiments/index.js';
import { PromptRegistry, parsePromptFile, type PromptContent } from '../../src/prompts/index.js';
import { insertInvocations, openStore, type Store } from '../../src/store/index.js';
import type { InvocationRecord } from '../../src/core/index.js';
import { testEngines } from '../store/engines.js';
import { makeRecord } from '../store/records.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { caught } from '../helpers/caught.js';

const engines = testEngines('experiments');
afterAll(async () => {
  for (const e of engines) await e.cleanup();
});

const prompt = (template: string): PromptContent => parsePromptFile(`name: support/answer\ntype: text\nvariables: { q: { type: string } }\ntemplate: ${JSON.stringify(template)}\n`, 'answer.yaml');
const ab: CreateExperimentInput = { name: 'tone', kind: 'prompt', target: 'support/answer', arms: [{ name: 'control', weight: 1, version: 1 }, { name: 'treatment', weight: 1, version: 2 }] };

/** Invocation records of an experiment: insertInvocations, then the experiment columns by SQL (the record type may not carry them yet). */
async function served(store: Store, experiment: string, arm: string, records: InvocationRecord[]): Promise<string[]> {
  await insertInvocations(store, records);
  const ids = records.map((r) => r.id);
  await sql`update invocations set experiment = ${experiment}, arm = ${arm} where id in (${sql.join(ids)})`.execute(store.db);
  return ids;
}

for (const engine of engines) {
  describe(`ExperimentStore (${engine.name})`, () => {
    let store: Store;
    let clock: FakeClock;
    let experiments: ExperimentStore;
    let registry: PromptRegistry;
    const open: Store[] = [];
    afterAll(async () => {
      for (const s of open) await s.close();
    });

    beforeEach(async () => {
      store = await engine.database().open({});
      open.push(store);
      clock = new FakeClock();
      experiments = new ExperimentStore(store, { clock });
      registry = new PromptRegistry(store, { clock });
      await registry.push('acme', prompt('v1 {{q}}'), { actor: 'dana', label: 'production' });
      await registry.push('acme', prompt('v2 {{q}}'), { actor: 'dana' });
    });

    it('goes draft → running ↔ paused → stopped and refuses other moves, naming the current status', async () => {
      const e = await experiments.create('acme', ab, 'dana');
      expect(e).toMatchObject({ tenant: 'acme', status: 'draft', createdBy: 'dana', promotedArm: null, arms: ab.arms });
      expect((await caught(experiments.pause('acme', e.id, 'dana'))).message).toMatch(/is draft; pause needs it running/);
      expect((await experiments.start('acme', e.id, 'dana')).status).toBe('running');
      expect((await experiments.pause('acme', e.id, 'dana')).status).toBe('paused');
      expect((await experiments.start('acme', e.id, 'dana')).status).toBe('running');
      expect((await experiments.stop('acme', e.id, 'dana')).status).toBe('stopped');
      const again = await caught(experiments.start('acme', e.id, 'dana'));
      expect([again.status, again.code]).toEqual([400, 'invalid_request']);
      expect(again.message).toMatch(/is stopped/);
      expect((await experiments.get('acme', e.id)).status).toBe('stopped');
      expect((await caught(experiments.start('other', e.id, 'dana'))).status).toBe(404);
      expect((await caught(experiments.get('acme', 'exp_nope'))).status).toBe(404);
    });

    it('rejects bad definitions with clear messages', async () => {
      const bad = async (over: Partial<CreateExperimentInput>) => (await caught(experiments.create('acme', { ...ab, ...over }, 'dana'))).message;
      expect(await bad({ name: 'Tone Test' })).toMatch(/Invalid experiment name/);
      expect(await bad({ arms: [{ name: 'a', weight: 1 }] })).toMatch(/needs a prompt version/);
      expect(await bad({ arms: [{ name: 'a', weight: 1, version: 9 }] })).toMatch(/has no version 9 \(it has versions 1-2\)/);
      expect(await bad({ target: 'support/other' })).toMatch(/No prompt 'support\/other'/);
      expect(await bad({ arms: [{ name: 'a', weight: 1, version: 1 }, { name: 'a', weight: 1, version: 2 }] })).toMatch(/appears twice/);
      expect(await bad({ arms: [{ name: 'a', weight: 0, version: 1 }] })).toMatch(/add up to more than 0/);
      expect(await bad({ kind: 'route', target: 'support' })).toMatch(/arms name a model, not a version/);
      const route = await experiments.create('acme', { name: 'models', kind: 'route', target: 'support', arms: [{ name: 'sonnet', model: 'sonnet' }, { name: 'haiku', weight: 3, model: 'haiku' }] }, 'dana');
      expect(route.arms).toEqual([{ name: 'sonnet', weight: 1, model: 'sonnet' }, { name: 'haiku', weight: 3, model: 'haiku' }]);
    });

    it('runs at most one experiment per (tenant, kind, target)', async () => {
      const a = await experiments.create('acme', ab, 'dana');
      clock.advance(1);
      const b = await experiments.create('acme', { ...ab, name: 'tone-b' }, 'dana');
      await experiments.start('acme', a.id, 'dana');
      const conflict = await caught(experiments.start('acme', b.id, 'dana'));
      expect([conflict.status, conflict.code]).toEqual([409, 'invalid_request']);
      expect(conflict.message).toContain(a.id);
      const route = await experiments.create('acme', { name: 'models', kind: 'route', target: 'support', arms: [{ name: 'x', model: 'sonnet' }] }, 'dana');
      await experiments.start('acme', route.id, 'dana'); // another target runs beside it
      await experiments.pause('acme', a.id, 'dana');
      await experiments.start('acme', b.id, 'dana');
      expect((await caught(experiments.start('acme', a.id, 'dana'))).status).toBe(409);
      expect((await experiments.list('acme', { status: 'running' })).map((e) => e.id).sort()).toEqual([b.id, route.id].sort());
      expect((await experiments.list('acme', { target: 'support/answer' })).map((e) => e.id)).toEqual([b.id, a.id]);
    });

    it('runningNow answers only from a fresh, settled memory of running(), and follows it', async () => {
      const e = await experiments.create('acme', ab, 'dana');
      // never asked: unknown, the caller must ask running()
      expect(experiments.runningNow('acme', 'prompt', 'support/answer')).toBeUndefined();
      expect(await experiments.running('acme', 'prompt', 'support/answer')).toBeUndefined();
      expect(experiments.runningNow('acme', 'prompt', 'support/answer')).toEqual({ experiment: undefined });
      await experiments.start('acme', e.id, 'dana');
      // its own write cleared the memory
      expect(experiments.runningNow('acme', 'prompt', 'support/answer')).toBeUndefined();
      expect((await experiments.running('acme', 'prompt', 'support/answer'))?.id).toBe(e.id);
      expect(experiments.runningNow('acme', 'prompt', 'support/answer')?.experiment?.id).toBe(e.id);
      clock.advance(1001);
      expect(experiments.runningNow('acme', 'prompt', 'support/answer')).toBeUndefined();
    });

    it('lets only one of two concurrent starts on one target win', async () => {
      const [a, b] = [await experiments.create('acme', ab, 'dana'), await experiments.create('acme', { ...ab, name: 'tone-b' }, 'dana')];
      const outcomes = await Promise.allSettled([experiments.start('acme', a.id, 'dana'), new ExperimentStore(store).start('acme', b.id, 'ops')]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const lost = outcomes.find((o) => o.status === 'rejected');
      expect(lost?.reason).toMatchObject({ code: 'invalid_request', status: 409 });
      expect(await experiments.list('acme', { status: 'running' })).toHaveLength(1);
    });

    it('answers running() from memory for a second; its own writes show at once', async () => {
      const e = await experiments.create('acme', ab, 'dana');
      expect(await experiments.running('acme', 'prompt', 'support/answer')).toBeUndefined();
      await experiments.start('acme', e.id, 'dana');
      expect((await experiments.running('acme', 'prompt', 'support/answer'))?.id).toBe(e.id);
      // another process (another store object) pauses it: seen once the cached answer expires
      await new ExperimentStore(store, { clock }).pause('acme', e.id, 'ops');
      expect((await experiments.running('acme', 'prompt', 'support/answer'))?.id).toBe(e.id);
      clock.advance(1001);
      expect(await experiments.running('acme', 'prompt', 'support/answer')).toBeUndefined();
      const running = await experiments.start('acme', e.id, 'dana');
      const arm = experiments.assign(running, 'user-42');
      expect(ab.arms.map((a) => a.name)).toContain(arm.name);
      expect(arm.version).toBe(arm.name === 'control' ? 1 : 2);
      expect(experiments.assign(running, 'user-42')).toEqual(arm);
    });

    it('records feedback only on invocations of the tenant, drops comments unless allowed, last feedback wins', async () => {
      const [mine, theirs] = [makeRecord({ tenant: 'acme' }), makeRecord({ tenant: 'globex' })];
      await insertInvocations(store, [mine, theirs]);
      const wrong = await caught(experiments.recordFeedback('acme', { invocationId: theirs.id, thumbs: 'up' }, { storeText: true }));
      expect([wrong.status, wrong.message]).toEqual([404, expect.stringContaining(`No invocation '${theirs.id}' in tenant 'acme'`)]);
      expect((await caught(experiments.recordFeedback('acme', { invocationId: 'inv_unknown', thumbs: 'up' }, { storeText: true }))).status).toBe(404);
      expect((await caught(experiments.recordFeedback('acme', { invocationId: mine.id, thumbs: 'up', score: 1 }, { storeText: true }))).message).toMatch(/exactly one/);
      expect((await caught(experiments.recordFeedback('acme', { invocationId: mine.id, score: 1.5 }, { storeText: true }))).message).toMatch(/from 0 to 1/);

      const first = await experiments.recordFeedback('acme', { invocationId: mine.id, thumbs: 'down', comment: 'wrong answer', keyId: 'k1' }, { storeText: false });
      expect(first).toMatchObject({ thumbs: 'down', score: null, comment: null, commentDropped: true, keyId: 'k1' });
      const stored = () => store.db.selectFrom('feedback' as never).selectAll().execute();
      expect(await stored()).toMatchObject([{ invocation_id: mine.id, tenant: 'acme', thumbs: 0, score: null, comment: null }]);
      clock.advance(5);
      await experiments.recordFeedback('acme', { invocationId: mine.id, score: 0.75, comment: 'better now' }, { storeText: true });
      expect(await stored()).toMatchObject([{ invocation_id: mine.id, thumbs: null, score: 0.75, comment: 'better now', key_id: null, created_at: clock.now() }]);
    });

    it('looks an unknown invocation up again after flushing buffered records', async () => {
      const late = makeRecord();
      let flushed = 0;
      const withFlush = new ExperimentStore(store, { flushInvocations: async () => { flushed++; await insertInvocations(store, [late]); } });
      await withFlush.recordFeedback('acme', { invocationId: late.id, thumbs: 'up' }, { storeText: false });
      expect(flushed).toBe(1);
    });

    it('computes results per arm from the invocation records and their feedback', async () => {
      const e = await experiments.create('acme', ab, 'dana');
      const control = await served(store, e.id, 'control', [
        ...Array.from({ length: 8 }, () => makeRecord({ latencyMs: 100, inputTokens: 10, outputTokens: 20, costUsd: 0.001 })),
        ...Array.from({ length: 2 }, () => makeRecord({ status: 'error', errorCode: 'upstream_timeout', httpStatus: 504, costUsd: null })),
      ]);
      const treatment = await served(store, e.id, 'treatment', Array.from({ length: 5 }, () => makeRecord({ latencyMs: 200, costUsd: 0.002 })));
      await insertInvocations(store, [makeRecord(), makeRecord({ tenant: 'globex' })]); // outside the experiment
      for (const id of control.slice(0, 4)) await experiments.recordFeedback('acme', { invocationId: id, thumbs: 'up' }, { storeText: false });
      await experiments.recordFeedback('acme', { invocationId: control[4]!, thumbs: 'down' }, { storeText: false });
      await experiments.recordFeedback('acme', { invocationId: treatment[0]!, score: 0.5 }, { storeText: false });

      const { experiment, results } = await experiments.results('acme', e.id, { seed: 7 });
      expect(experiment.id).toBe(e.id);
      expect(results.control).toBe('control');
      const [c, t] = results.arms;
      expect(c).toMatchObject({ arm: 'control', requests: 10, errors: 2, latencyP50: 100, tokens: { input: { total: 80 + 2 * 120 }, output: { total: 160 + 2 * 48 } } });
      expect(c!.errorRate.estimate).toBeCloseTo(0.2);
      expect(c!.feedback).toMatchObject({ n: 5, mean: { estimate: 0.8 } });
      expect(c!.costUsd).toMatchObject({ n: 8, estimate: 0.001 });
      expect(t).toMatchObject({ arm: 'treatment', requests: 5, errors: 0, latencyP50: 200, feedback: { n: 1, mean: { estimate: 0.5 } } });
      expect(results.warnings.join(' ')).toMatch(/control has 10 requests; at least/);
      // deterministic for one seed
      expect((await experiments.results('acme', e.id, { seed: 7 })).results).toEqual(results);
      expect((await caught(experiments.results('globex', e.id))).status).toBe(404);
    });

    it('promotes an arm: moves production to its version and stops the experiment', async () => {
      const e = await experiments.create('acme', ab, 'dana');
      expect((await caught(experiments.promote('acme', e.id, 'treatment', registry, 'dana'))).message).toMatch(/is draft/);
      await experiments.start('acme', e.id, 'dana');
      expect((await caught(experiments.promote('acme', e.id, 'nope', registry, 'dana'))).message).toMatch(/no arm "nope"; its arms: control, treatment/);
      // a protected production label refuses an invoker: nothing changes
      await registry.setLabel('acme', 'support/answer', 'production', 1, { actor: 'ops', actorRole: 'admin', reason: 'lock', protect: true });
      expect((await caught(experiments.promote('acme', e.id, 'treatment', registry, 'key:k1', 'invoker'))).code).toBe('forbidden');
      expect((await experiments.get('acme', e.id)).status).toBe('running');

      const { experiment, labelEvent } = await experiments.promote('acme', e.id, 'treatment', registry, 'key:k2', 'developer');
      expect(experiment).toMatchObject({ status: 'stopped', promotedArm: 'treatment' });
      expect(await experiments.get('acme', e.id)).toMatchObject({ status: 'stopped', promotedArm: 'treatment' });
      expect(labelEvent).toMatchObject({ from: 1, to: 2, reason: `promoted from experiment ${e.id}` });
      expect((await registry.get('acme', 'support/answer', { label: 'production' })).version).toBe(2);
      expect(await experiments.running('acme', 'prompt', 'support/answer')).toBeUndefined();
      expect((await caught(experiments.promote('acme', e.id, 'control', registry, 'dana'))).status).toBe(409);

      const route = await experiments.create('acme', { name: 'models', kind: 'route', target: 'support', arms: [{ name: 'x', model: 'sonnet' }] }, 'dana');
      await experiments.start('acme', route.id, 'dana');
      expect((await caught(experiments.promote('acme', route.id, 'x', registry, 'dana'))).message).toMatch(/over route 'support'/);
    });
  });
}

describe('strata experiments (CLI, direct store access)', () => {
  const home = mkdtempSync(join(tmpdir(), 'strata-exp-cli-'));
  const saved = { home: process.env.STRATA_HOME, url: process.env.STRATA_DATABASE_URL };
  afterAll(() => {
    // assigning undefined to process.env would store the string 'undefined'
    if (saved.home === undefined) delete process.env.STRATA_HOME;
    else process.env.STRATA_HOME = saved.home;
    if (saved.url !== undefined) process.env.STRATA_DATABASE_URL = saved.url;
    rmSync(home, { recursive: true, force: true });
  });

  /** Runs `strata …args` in process and returns what it printed on stdout. */
  async function cli(...args: string[]): Promise<string> {
    const program = new Command().exitOverride();
    registerExperimentsCommand(program);
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await program.parseAsync(['node', 'strata', 'experiments', ...args]);
    } finally {
      spy.mockRestore();
    }
    return out.join('');
  }

  it('parses --arm name=version[:weight] and name=model[:weight]', () => {
    expect(parseArmFlag('prompt', 'control=3')).toEqual({ name: 'control', weight: 1, version: 3 });
    expect(parseArmFlag('prompt', 'b=4:0.5')).toEqual({ name: 'b', weight: 0.5, version: 4 });
    expect(parseArmFlag('route', 'fast=haiku:2')).toEqual({ name: 'fast', weight: 2, model: 'haiku' });
    expect(() => parseArmFlag('prompt', 'b=latest')).toThrow(/version must be a whole number/);
    expect(() => parseArmFlag('prompt', 'b=4:x')).toThrow(/weight after ':'/);
    expect(() => parseArmFlag('route', 'haiku')).toThrow(/is not name=model/);
  });

  it('creates, starts, shows and promotes through the store named by STRATA_HOME', async () => {
    process.env.STRATA_HOME = home;
    delete process.env.STRATA_DATABASE_URL;
    const seed = await openStore({ home });
    const registry = new PromptRegistry(seed);
    await registry.push('acme', prompt('v1 {{q}}'), { actor: 'dana', label: 'production' });
    await registry.push('acme', prompt('v2 {{q}}'), { actor: 'dana' });
    await seed.close();

    const created = JSON.parse(await cli('create', '--tenant', 'acme', '--name', 'tone', '--prompt', 'support/answer', '--arm', 'control=1', '--arm', 'treatment=2:3', '--json')) as { id: string; status: string; arms: unknown[] };
    expect(created).toMatchObject({ status: 'draft', arms: [{ name: 'control', weight: 1, version: 1 }, { name: 'treatment', weight: 3, version: 2 }] });
    const id = created.id;
    expect(await cli('list', '--tenant', 'acme')).toMatch(new RegExp(`${id}\\s+tone\\s+prompt\\s+support/answer\\s+draft`));
    expect(await cli('start', id, '--tenant', 'acme')).toContain(': running;');
    const shown = await cli('show', id, '--tenant', 'acme');
    expect(shown).toContain(`Experiment ${id} 'tone' on prompt support/answer: running`);
    expect(shown).toContain('control (control)');
    expect(JSON.parse(await cli('show', id, '--tenant', 'acme', '--json'))).toMatchObject({ experiment: { id }, results: { control: 'control' } });
    expect(await cli('promote', id, 'treatment', '--tenant', 'acme')).toContain('support/answer@production moved from 1 to 2.');
    expect(await cli('list', '--tenant', 'acme', '--status', 'stopped', '--json')).toContain(`"promotedArm":"treatment"`);

    await expect(cli('create', '--tenant', 'acme', '--name', 'x', '--prompt', 'support/answer', '--route', 'support', '--arm', 'a=1')).rejects.toThrow(/exactly one of --prompt/);
    await expect(cli('pause', id, '--tenant', 'acme')).rejects.toThrow(/is stopped/);
    await expect(cli('show', id, '--tenant', 'globex')).rejects.toThrow(/No experiment/);
  });
});
