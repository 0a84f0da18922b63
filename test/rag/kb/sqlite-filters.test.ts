import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KbEngine } from '../../../src/rag/kb/engine.js';
import { lexicalText } from '../../../src/rag/kb/fts-query.js';
import type { KnowledgeBase } from '../../../src/rag/kb/types.js';
import { matchesFilter } from '../../../src/rag/retrieve/index.js';
import type { Store } from '../../../src/store/index.js';
import { openKbStore } from './harness.js';
import { FILTER_CASES, FILTER_DOCS, chunks, doc, randomVectors, seedFilterKnowledgeBases } from './pg-fixtures.js';

// Every Bedrock filter operator and nested andAll/orAll inside each search of the SQLite engine: BM25 (FTS5),
// the exact vector scan and HNSW. Filters are evaluated per document there (kb_documents), so each search
// must return exactly the documents matchesFilter accepts, as on PostgreSQL (pg-filters.test.ts).
let dir: string;
let store: Store;
let engine: KbEngine;
let hnsw: KnowledgeBase;
let exact: KnowledgeBase;
let docOfChunk: Map<number, string>;
const query = randomVectors(99, 1, 8)[0]!;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-sqlite-filters-'));
  const opened = await openKbStore(join(dir, 'home'));
  store = opened.store;
  engine = opened.kbs.engine;
  ({ hnsw, exact, docOfChunk } = await seedFilterKnowledgeBases(engine));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const docs = (hits: { id: number }[]) => hits.map((h) => docOfChunk.get(h.id)!).sort();

describe('filters inside the searches on SQLite', () => {
  it.each(FILTER_CASES.map((f) => [JSON.stringify(f), f] as const))('%s', async (_, filter) => {
    const want = FILTER_DOCS.filter((d) => matchesFilter(filter, d.metadata)).map((d) => d.docId);
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(FILTER_DOCS.length);
    const terms = lexicalText('common notes').split(' ');
    for (const kb of [hnsw, exact]) {
      expect(docs(await engine.lexicalSearch(kb, terms, filter, 100))).toEqual(want);
      expect(docs(await engine.vectorSearch(kb, query, filter, 100))).toEqual(want);
      // the limit holds under a filter: the best `limit` of the matching documents
      expect(await engine.vectorSearch(kb, query, filter, 2)).toHaveLength(Math.min(2, want.length));
      expect(await engine.lexicalSearch(kb, terms, filter, 2)).toHaveLength(Math.min(2, want.length));
    }
  });

  it('sees a document whose metadata changed (a remembered filter result is per write version)', async () => {
    const red = FILTER_CASES[0]!;
    const before = docs(await engine.vectorSearch(exact, query, red, 100));
    const moved = FILTER_DOCS.find((d) => !before.includes(d.docId))!;
    const vs = randomVectors(5, FILTER_DOCS.length, 8);
    const matching = FILTER_DOCS.find((d) => before.includes(d.docId))!;
    await engine.replaceDocument(exact.id, doc(moved.docId, matching.metadata, 'h2'), chunks([`Common film notes about ${moved.docId}`], [vs[0]!]));
    for (const c of await engine.chunksById(exact.id, (await engine.chunkTexts(exact.id, 0, 1000)).map((c) => c.id))) docOfChunk.set(c.id, c.docId);
    expect(docs(await engine.vectorSearch(exact, query, red, 100))).toEqual([...before, moved.docId].sort());
    expect(docs(await engine.lexicalSearch(exact, lexicalText('common notes').split(' '), red, 100))).toEqual([...before, moved.docId].sort());
  });
});
