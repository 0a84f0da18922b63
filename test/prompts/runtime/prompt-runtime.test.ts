import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { PromptRegistry } from '../../../src/prompts/index.js';
import { FALLBACK_VERSION, PostgresChangeBus, PromptRuntime, type PromptBusEvent, type PromptChangeBus } from '../../../src/prompts/runtime/index.js';
import type { PromptContent } from '../../../src/prompts/types.js';
import { openStore, type Store, type StrataDatabase } from '../../../src/store/index.js';
import { TEST_DATABASE_URL, freshSchema, type FreshSchema } from '../../helpers/postgres.js';

function content(text: string): PromptContent {
  return {
    name: 'support/answer',
    type: 'chat',
    tags: [],
    variables: { question: { type: 'string', required: true } },
    model: { temperature: 0 },
    messages: [
      { role: 'system', content: text },
      { role: 'user', content: '{{question}}' },
    ],
  };
}

/** A registry and its runtime wired as createStrata wires them. */
function wire(store: Store, bus?: PromptChangeBus): { registry: PromptRegistry; runtime: PromptRuntime } {
  const runtime: PromptRuntime = new PromptRuntime({ source: { get: (t, n, r) => registry.get(t, n, r) }, bus, defaultTenant: 'acme' });
  const registry = new PromptRegistry(store, { onLabelChange: (c) => runtime.labelChanged(c) });
  return { registry, runtime };
}

/** A store whose database is unreachable: every query fails like a refused connection. */
function unreachableStore(): Store {
  const db = new Proxy({} as Kysely<StrataDatabase>, {
    get() {
      throw new Error('connect ECONNREFUSED 10.0.0.1:5432');
    },
  });
  return { db, dialect: 'postgres', description: 'postgresql (unreachable)', close: () => Promise.resolve() };
}

const actor = { actor: 'test' };

describe('PromptRuntime on the embedded store', () => {
  let store: Store;
  let registry: PromptRegistry;
  let runtime: PromptRuntime;
  beforeAll(async () => {
    store = await openStore({ home: ':memory:' });
    ({ registry, runtime } = wire(store));
    await registry.push('acme', content('one'), actor);
    await registry.push('acme', content('two'), actor);
    await registry.setLabel('acme', 'support/answer', 'production', 1, actor);
  });
  afterAll(async () => {
    await runtime.close();
    await store.close();
  });

  it('resolves labels, versions and references, each to its own version', async () => {
    expect((await runtime.get('support/answer', { label: 'production' })).version).toBe(1);
    expect((await runtime.get('support/answer')).version).toBe(2);
    expect((await runtime.get('support/answer@production')).version).toBe(1);
    expect((await runtime.get('support/answer', { version: 2 })).content.messages![0]!.content).toBe('two');
    await expect(runtime.get('support/answer', { label: 'production', version: 2 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(runtime.get('support/answer', { tenant: 'globex' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('serves a moved label at once, and stops serving a removed one', async () => {
    expect((await runtime.get('support/answer', { label: 'production' })).version).toBe(1);
    await registry.setLabel('acme', 'support/answer', 'production', 2, actor);
    expect((await runtime.get('support/answer', { label: 'production' })).version).toBe(2);
    await registry.removeLabel('acme', 'support/answer', 'production', actor);
    await expect(runtime.get('support/answer', { label: 'production' })).rejects.toMatchObject({ code: 'not_found' });
    await registry.rollback('acme', 'support/answer', 'production', actor);
    expect((await runtime.get('support/answer', { label: 'production' })).version).toBe(2);
  });

  it('sees a push move latest at once', async () => {
    expect((await runtime.get('support/answer')).version).toBe(2);
    await registry.push('acme', content('three'), actor);
    expect((await runtime.get('support/answer')).version).toBe(3);
  });

  it('renders with the resolved version as the reference, never the label', async () => {
    await registry.setLabel('acme', 'support/answer', 'staging', 1, actor);
    const { rendered } = await runtime.render('support/answer@staging', { question: 'Why?' });
    expect(rendered.ref).toBe('support/answer@1');
    expect(rendered.messages).toEqual([
      { role: 'system', content: 'one' },
      { role: 'user', content: 'Why?' },
    ]);
    expect(rendered.params).toEqual({ temperature: 0 });
    await expect(runtime.render('support/answer', {})).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('PromptRuntime fallback', () => {
  it('uses the bundled fallback when the registry is unreachable, and fails without one', async () => {
    const { runtime } = wire(unreachableStore());
    const bundled = content('bundled with the app');
    const v = await runtime.get('support/answer', { label: 'production', fallback: bundled });
    expect(v.version).toBe(FALLBACK_VERSION);
    expect(v.content.messages![0]!.content).toBe('bundled with the app');
    const { rendered } = await runtime.render('support/answer', { question: 'q' }, { fallback: bundled });
    expect(rendered.ref).toBe('support/answer@fallback');
    await expect(runtime.get('support/answer', { label: 'production' })).rejects.toThrow('ECONNREFUSED');
    // a bad reference is the caller's mistake, not an outage: no fallback
    await expect(runtime.get('Not A Name', { fallback: bundled })).rejects.toMatchObject({ code: 'invalid_request' });
    await runtime.close();
  });

  it('does not bypass a registry that answers "no such label"', async () => {
    const store = await openStore({ home: ':memory:' });
    const { registry, runtime } = wire(store);
    try {
      await registry.push('acme', content('one'), actor);
      await expect(runtime.get('support/answer', { label: 'production', fallback: content('x') })).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await runtime.close();
      await store.close();
    }
  });
});

describe.skipIf(!TEST_DATABASE_URL)('PromptRuntime across replicas on PostgreSQL', () => {
  let schema: FreshSchema;
  let storeA: Store;
  let storeB: Store;
  beforeAll(async () => {
    schema = freshSchema(TEST_DATABASE_URL!, 'runtime');
    storeA = await openStore({ databaseUrl: schema.url, schema: schema.schema });
    storeB = await openStore({ databaseUrl: schema.url, schema: schema.schema });
  });
  afterAll(async () => {
    await Promise.all([storeA?.close(), storeB?.close()]);
    await schema?.drop();
  });

  it('a label moved through one replica is served by the other within one second', async () => {
    const a = wire(storeA, new PostgresChangeBus({ url: schema.url, store: storeA }));
    const busB = new PostgresChangeBus({ url: schema.url, store: storeB });
    const b = wire(storeB, busB);
    try {
      await Promise.all([a.runtime.bus.ready(), busB.ready()]);
      const heardProduction = (): Promise<PromptBusEvent> =>
        new Promise((resolve) => {
          const off = busB.subscribe((e) => {
            if (e.type === 'change' && e.change.label === 'production') {
              off();
              resolve(e);
            }
          });
        });
      await a.registry.push('acme', content('one'), actor);
      await a.registry.push('acme', content('two'), actor);
      const created = heardProduction();
      await a.registry.setLabel('acme', 'support/answer', 'production', 1, actor);
      await created;
      expect((await b.runtime.get('support/answer', { label: 'production' })).version).toBe(1);
      expect(b.runtime.cache.has({ tenant: 'acme', name: 'support/answer', label: 'production' })).toBe(true);

      const heard = heardProduction();
      const started = performance.now();
      await a.registry.setLabel('acme', 'support/answer', 'production', 2, actor);
      await heard;
      expect((await b.runtime.get('support/answer', { label: 'production' })).version).toBe(2);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await Promise.all([a.runtime.close(), b.runtime.close()]);
    }
  });
});
