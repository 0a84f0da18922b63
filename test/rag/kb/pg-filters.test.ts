import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lexicalText } from '../../../src/rag/kb/fts-query.js';
import { PgKbEngine } from '../../../src/rag/kb/pg/index.js';
import type { KnowledgeBase } from '../../../src/rag/kb/types.js';
import { matchesFilter } from '../../../src/rag/retrieve/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { TEST_PGVECTOR_URL, openPgliteStore } from '../../helpers/pglite.js';
import { TEST_DATABASE_URL, freshSchema, type FreshSchema } from '../../helpers/postgres.js';
import { FILTER_CASES, FILTER_DOCS, randomVectors, seedFilterKnowledgeBases } from './pg-fixtures.js';

// Every Bedrock filter operator and nested andAll/orAll, applied inside each search of the PostgreSQL engine:
// BM25 and the exact vector scan on the machine's PostgreSQL (no pgvector), BM25 and pgvector (HNSW with
// iterative scans, and exact) on PGlite. Each search must return exactly the documents matchesFilter accepts.
const BACKENDS = [
  { name: 'PostgreSQL', url: TEST_DATABASE_URL, pglite: false },
  { name: 'PGlite + pgvector', url: TEST_PGVECTOR_URL, pglite: true },
].filter((b) => b.url !== undefined);
// one placeholder entry keeps the skipped suite visible when no server is configured (each([]) is an error)
const SUITES = BACKENDS.length > 0 ? BACKENDS : [{ name: 'no server configured', url: undefined, pglite: false, vector: 'exact' as const }];

describe.skipIf(BACKENDS.length === 0).each(SUITES)('filters inside the searches on $name', ({ url, pglite }) => {
  let fresh: FreshSchema | undefined;
  let store: Store;
  let engine: PgKbEngine;
  let hnsw: KnowledgeBase;
  let exact: KnowledgeBase;
  let docOfChunk: Map<number, string>;
  const query = randomVectors(99, 1, 8)[0]!;

  beforeAll(async () => {
    if (pglite) store = await openPgliteStore(url!);
    else {
      fresh = freshSchema(url!, 'pgkb_filter');
      store = await openStore({ databaseUrl: url!, schema: fresh.schema });
    }
    engine = new PgKbEngine(store, { warn: () => {} });
    ({ hnsw, exact, docOfChunk } = await seedFilterKnowledgeBases(engine));
  });
  afterAll(async () => {
    // PGlite has no per-file schema: leave its shared `public` as it was
    for (const kb of [hnsw, exact]) if (kb !== undefined) await engine.deleteKnowledgeBase(kb.id);
    await store?.close();
    await fresh?.drop();
  });

  const docs = (hits: { id: number }[]) => hits.map((h) => docOfChunk.get(h.id)!).sort();

  it.each(FILTER_CASES.map((f) => [JSON.stringify(f), f] as const))('%s', async (_, filter) => {
    const want = FILTER_DOCS.filter((d) => matchesFilter(filter, d.metadata)).map((d) => d.docId);
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(FILTER_DOCS.length);
    const terms = lexicalText('common notes').split(' ');
    expect(docs(await engine.lexicalSearch(hnsw, terms, filter, 100))).toEqual(want);
    expect(docs(await engine.vectorSearch(hnsw, query, filter, 100))).toEqual(want);
    expect(docs(await engine.vectorSearch(exact, query, filter, 100))).toEqual(want);
    // and the limit holds under a filter: the best `limit` of the matching documents
    const top2 = await engine.vectorSearch(exact, query, filter, 2);
    expect(top2.length).toBe(Math.min(2, want.length));
  });
});
