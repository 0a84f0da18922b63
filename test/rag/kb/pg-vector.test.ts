import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgKbEngine } from '../../../src/rag/kb/pg/index.js';
import { hnswIndexes, type VectorSupport } from '../../../src/rag/kb/pg/pgvector.js';
import { nearestQuery } from '../../../src/rag/kb/pg/vector-search.js';
import type { KnowledgeBase } from '../../../src/rag/kb/types.js';
import type { Store } from '../../../src/store/index.js';
import { TEST_PGVECTOR_URL, openPgliteStore } from '../../helpers/pglite.js';
import { chunks, createKb, doc, exactRanking, randomVectors } from './pg-fixtures.js';

type Pgvector = Extract<VectorSupport, { kind: 'pgvector' }>;

// The pgvector path, on PGlite with pgvector served over the wire protocol (STRATA_TEST_PGVECTOR_URL).
describe.skipIf(!TEST_PGVECTOR_URL)('PgKbEngine with pgvector (PGlite)', () => {
  let store: Store;
  let engine: PgKbEngine;
  let support: Pgvector;
  let kb: KnowledgeBase;
  const DIMS = 16;
  const N = 600;
  const vectors = randomVectors(21, N, DIMS);
  let items: { id: number; embedding: Float32Array }[];
  /** chunk ids of the 1-in-60 "red" documents: a selective filter */
  const red = new Set<number>();

  beforeAll(async () => {
    store = await openPgliteStore(TEST_PGVECTOR_URL!);
    engine = new PgKbEngine(store, { warn: () => {} });
    support = (await engine.vectorSupport()) as Pgvector;
    kb = await createKb(engine, 'acme', { vector: 'hnsw' });
    // 60 documents of 10 chunks; documents 7, 27, 47 … (every 20th) are team red: 30 chunks of 600
    for (let d = 0; d < N / 10; d++) {
      const team = d % 20 === 7 ? 'red' : 'blue';
      const vs = vectors.slice(d * 10, d * 10 + 10);
      await engine.replaceDocument(kb.id, doc(`doc${d}`, { team }), chunks(vs.map((_, i) => `document ${d} chunk ${i}`), vs));
    }
    const rows = await engine.chunkTexts(kb.id, 0, N);
    items = rows.map((r, i) => ({ id: r.id, embedding: vectors[i]! }));
    for (const [i, r] of rows.entries()) if (Math.floor(i / 10) % 20 === 7) red.add(r.id);
  });
  afterAll(async () => {
    if (kb !== undefined) await engine.deleteKnowledgeBase(kb.id);
    await store?.close();
  });

  it('uses pgvector ≥ 0.8, so filtered queries get iterative index scans', () => {
    expect(support.kind).toBe('pgvector');
    expect(support.iterativeScan).toBe(true);
  });

  it('builds one partial HNSW index per knowledge base and dimension, and the planner answers from it', async () => {
    expect((await hnswIndexes(store.db, kb.id)).map((i) => i.dims)).toEqual([DIMS]);
    const query = nearestQuery(support, kb.id, vectors[3]!, undefined, 5, 'hnsw');
    const plan = await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(store.db);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain((await hnswIndexes(store.db, kb.id))[0]!.name);
    // the exact variant is the same query on an expression no index has
    const exact = await sql<{ 'QUERY PLAN': string }>`explain ${nearestQuery(support, kb.id, vectors[3]!, undefined, 5, 'exact')}`.execute(store.db);
    expect(exact.rows.map((r) => r['QUERY PLAN']).join('\n')).not.toContain('kb_hnsw_');
  });

  it('gives the same top 10 as an exact ranking on this corpus', async () => {
    for (const q of randomVectors(31, 5, DIMS)) {
      const hits = await engine.vectorSearch(kb, q, undefined, 10);
      expect(hits.map((h) => h.id)).toEqual(exactRanking(q, items, 10).map((h) => h.id));
      expect(hits[0]!.score).toBeCloseTo(exactRanking(q, items, 1)[0]!.score, 5);
    }
  });

  it('still returns k hits under a selective filter (5% of the chunks), the best of the matching ones', async () => {
    const filter = { equals: { key: 'team', value: 'red' } } as const;
    const q = randomVectors(41, 1, DIMS)[0]!;
    const hits = await engine.vectorSearch(kb, q, filter, 20);
    expect(hits.map((h) => h.id)).toEqual(exactRanking(q, items.filter((it) => red.has(it.id)), 20).map((h) => h.id));
  });

  it('gets those hits from the index walk itself when iterative scans are on (and not without)', async () => {
    const filter = { equals: { key: 'team', value: 'red' } } as const;
    const q = randomVectors(41, 1, DIMS)[0]!;
    const viaIndex = (mode: 'off' | 'relaxed_order') =>
      store.db.transaction().execute(async (trx) => {
        await sql`select set_config('hnsw.iterative_scan', ${mode}, true)`.execute(trx);
        return (await nearestQuery(support, kb.id, q, filter, 20, 'hnsw').execute(trx)).rows;
      });
    expect((await viaIndex('relaxed_order')).length).toBe(20);
    // ef_search 40 candidates, 5% of them red: a plain HNSW scan comes back short
    expect((await viaIndex('off')).length).toBeLessThan(20);
  });

  it('keeps knowledge bases of different dimensions apart, and follows a re-embed to a new dimension', async () => {
    const small = await createKb(engine, 'acme', { vector: 'hnsw' });
    const vs8 = randomVectors(51, 4, 8);
    await engine.replaceDocument(small.id, doc('a'), chunks(['one', 'two', 'three', 'four'], vs8));
    expect((await engine.vectorSearch(small, vs8[2]!, undefined, 1))[0]!.score).toBeCloseTo(1, 5);
    expect((await hnswIndexes(store.db, small.id)).map((i) => i.dims)).toEqual([8]);

    const ids = (await engine.chunkTexts(small.id, 0, 10)).map((c) => c.id);
    const vs32 = randomVectors(52, 4, 32);
    await engine.updateEmbeddings(small.id, ids.map((id, i) => ({ id, embedding: vs32[i]! })));
    await engine.updateConfig(small.id, { ...small.config, embeddingModel: 'wider' });
    expect((await hnswIndexes(store.db, small.id)).map((i) => i.dims)).toEqual([32]);
    const [best] = await engine.vectorSearch(small, vs32[1]!, undefined, 1);
    expect(best!.id).toBe(ids[1]);

    await engine.deleteKnowledgeBase(small.id);
    expect(await hnswIndexes(store.db, small.id)).toEqual([]);
  });

  it('builds no index for a knowledge base configured for exact search', async () => {
    const plain = await createKb(engine, 'acme', { vector: 'exact' });
    const vs = randomVectors(61, 3, DIMS);
    await engine.replaceDocument(plain.id, doc('a'), chunks(['x', 'y', 'z'], vs));
    expect(await hnswIndexes(store.db, plain.id)).toEqual([]);
    expect((await engine.vectorSearch(plain, vs[0]!, undefined, 1))[0]!.score).toBeCloseTo(1, 5);
    await engine.deleteKnowledgeBase(plain.id);
  });
});
