import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvocationWriter,
  getInvocation,
  listInvocations,
  type Store,
} from '../../src/store/index.js';
import type { StrataError } from '../../src/core/index.js';
import { testEngines } from './engines.js';
import { makeRecord } from './records.js';

const engines = testEngines('invocations');
afterAll(async () => {
  for (const e of engines) await e.cleanup();
});

/** A store whose transactions fail the first `failures` times, as a lost connection would. */
function flakyStore(store: Store, failures: number): Store {
  let left = failures;
  const db = new Proxy(store.db, {
    get(target, prop) {
      if (prop === 'transaction' && left > 0) {
        left--;
        return () => {
          throw new Error('connection reset');
        };
      }
      const v: unknown = Reflect.get(target, prop);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { db, dialect: store.dialect, description: store.description, close: () => store.close() };
}

describe.each(engines)('invocations on $name', (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await engine.database().open();
  });
  afterAll(async () => {
    await store.close();
  });

  it('round-trips every field exactly, including nulls, booleans and tags', async () => {
    const full = makeRecord({
      tenant: 'rt-tenant',
      stream: true,
      ttftMs: 41.25,
      latencyMs: 1234.5,
      attempts: 3,
      fallbacks: 1,
      cacheReadTokens: 7,
      cacheWriteTokens: 9,
      finishReason: 'tool_calls',
      prompt: 'support/answer@12',
      tags: { feature: 'summarise', segment: 'enterprise', 'note-ü': 'café ☕' },
      ts: 4_102_444_800_000, // year 2100: beyond int32 on purpose
    });
    const failed = makeRecord({
      tenant: 'rt-tenant',
      status: 'error',
      errorCode: 'upstream_throttled',
      httpStatus: 429,
      modelAnswered: null,
      providerModelId: null,
      outputHash: null,
      finishReason: null,
      ttftMs: null,
      outputTokens: 0,
    });
    const writer = new InvocationWriter(store);
    writer.enqueue(full);
    writer.enqueue(failed);
    await writer.close();

    expect(await getInvocation(store, full.id)).toEqual(full);
    expect(await getInvocation(store, failed.id)).toEqual(failed);
    expect(await getInvocation(store, 'inv_missing')).toBeUndefined();
    expect(await listInvocations(store, { tenant: 'rt-tenant' })).toEqual([full, failed]);
  });

  it('writes in batches of maxBatch, one stored batch per chunk of the queue', async () => {
    const sizes: number[] = [];
    const writer = new InvocationWriter(store, { maxBatch: 3, flushMs: 3_600_000, onWrite: (n) => sizes.push(n) });
    const recs = Array.from({ length: 7 }, () => makeRecord({ tenant: 'batching' }));
    for (const r of recs) writer.enqueue(r);
    await writer.flush();
    expect(sizes).toEqual([3, 3, 1]);
    expect(writer.writtenRecords).toBe(7);
    expect((await listInvocations(store, { tenant: 'batching' })).map((r) => r.id).sort()).toEqual(recs.map((r) => r.id).sort());
    await writer.close();
  });

  it('starts writing by itself once maxBatch records are queued', async () => {
    let wrote!: (n: number) => void;
    const written = new Promise<number>((resolve) => (wrote = resolve));
    const writer = new InvocationWriter(store, { maxBatch: 4, flushMs: 3_600_000, onWrite: (n) => wrote(n) });
    for (let i = 0; i < 4; i++) writer.enqueue(makeRecord({ tenant: 'autobatch' }));
    expect(await written).toBe(4);
    expect(await listInvocations(store, { tenant: 'autobatch' })).toHaveLength(4);
    await writer.close();
  });

  it('flushes a partial batch when its timer fires', async () => {
    let wrote!: (n: number) => void;
    const written = new Promise<number>((resolve) => (wrote = resolve));
    const writer = new InvocationWriter(store, { maxBatch: 100, flushMs: 5, onWrite: (n) => wrote(n) });
    const rec = makeRecord({ tenant: 'timer' });
    writer.enqueue(rec);
    expect(await written).toBe(1);
    expect(await getInvocation(store, rec.id)).toEqual(rec);
    await writer.close();
  });

  it('stores everything on close and counts records enqueued after it as dropped', async () => {
    const writer = new InvocationWriter(store, { flushMs: 3_600_000 });
    const recs = Array.from({ length: 450 }, () => makeRecord({ tenant: 'close' }));
    for (const r of recs) writer.enqueue(r);
    await writer.close();
    expect(await listInvocations(store, { tenant: 'close', limit: 1000 })).toHaveLength(450);
    writer.enqueue(makeRecord({ tenant: 'close' }));
    expect(writer.droppedRecords).toBe(1);
    expect(await listInvocations(store, { tenant: 'close', limit: 1000 })).toHaveLength(450);
  });

  it('retries a failed batch once before giving up on it', async () => {
    const errors: StrataError[] = [];
    const writer = new InvocationWriter(flakyStore(store, 1), { onError: (e) => errors.push(e) });
    const rec = makeRecord({ tenant: 'retry-once' });
    writer.enqueue(rec);
    await writer.close();
    expect(errors).toEqual([]);
    expect(await getInvocation(store, rec.id)).toEqual(rec);
  });

  it('drops and reports a batch that fails twice, without throwing or echoing record content', async () => {
    const reports: { error: StrataError; count: number }[] = [];
    const writer = new InvocationWriter(flakyStore(store, 2), { onError: (error, count) => reports.push({ error, count }) });
    const recs = [makeRecord({ tenant: 'doomed' }), makeRecord({ tenant: 'doomed' })];
    for (const r of recs) writer.enqueue(r);
    await expect(writer.close()).resolves.toBeUndefined();
    expect(writer.droppedRecords).toBe(2);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.count).toBe(2);
    expect(reports[0]!.error.message).toContain('connection reset');
    expect(reports[0]!.error.message).not.toContain(recs[0]!.promptHash);
    expect(await listInvocations(store, { tenant: 'doomed' })).toEqual([]);
  });

  it('bounds the queue: beyond maxQueue records are counted as dropped and reported once', async () => {
    const reports: number[] = [];
    const writer = new InvocationWriter(store, { maxQueue: 5, maxBatch: 100, flushMs: 3_600_000, onError: (_e, n) => reports.push(n) });
    for (let i = 0; i < 8; i++) writer.enqueue(makeRecord({ tenant: 'bounded' }));
    expect(writer.queued).toBe(5);
    expect(writer.droppedRecords).toBe(3);
    expect(reports).toEqual([1]);
    await writer.close();
    expect(await listInvocations(store, { tenant: 'bounded' })).toHaveLength(5);
  });

  it('lists newest first and filters by time, route, tenant and limit', async () => {
    const base = 1_800_000_000_000;
    const recs = [
      makeRecord({ tenant: 'lf-a', route: 'support', ts: base + 10 }),
      makeRecord({ tenant: 'lf-a', route: 'search', ts: base + 20 }),
      makeRecord({ tenant: 'lf-b', route: 'support', ts: base + 30 }),
      makeRecord({ tenant: 'lf-a', route: 'support', ts: base + 40 }),
    ];
    const writer = new InvocationWriter(store);
    for (const r of recs) writer.enqueue(r);
    await writer.close();
    const [r10, r20, r30, r40] = recs as [typeof recs[0], typeof recs[0], typeof recs[0], typeof recs[0]];

    expect(await listInvocations(store, { since: base, until: base + 100 })).toEqual([r40, r30, r20, r10]);
    expect(await listInvocations(store, { tenant: 'lf-a', since: base })).toEqual([r40, r20, r10]);
    expect(await listInvocations(store, { route: 'support', since: base, until: base + 100 })).toEqual([r40, r30, r10]);
    expect(await listInvocations(store, { tenant: 'lf-a', route: 'support', since: base })).toEqual([r40, r10]);
    expect(await listInvocations(store, { since: base + 20, until: base + 40 })).toEqual([r30, r20]);
    expect(await listInvocations(store, { since: base, until: base + 100, limit: 2 })).toEqual([r40, r30]);
  });
});
