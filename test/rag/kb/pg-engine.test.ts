import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/core/index.js';
import { PgKbEngine } from '../../../src/rag/kb/pg/index.js';
import type { KnowledgeBase } from '../../../src/rag/kb/types.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { caught } from '../../helpers/caught.js';
import { TEST_DATABASE_URL, freshSchema, type FreshSchema } from '../../helpers/postgres.js';
import { chunks, createKb, doc, exactRanking, randomVectors, rawChunks, unit } from './pg-fixtures.js';

// The machine's PostgreSQL: BM25 in SQL, documents and transactions, and (it has no pgvector) the exact scan.
describe.skipIf(!TEST_DATABASE_URL)('PgKbEngine on PostgreSQL', () => {
  let fresh: FreshSchema;
  let store: Store;
  let engine: PgKbEngine;
  const warnings: string[] = [];

  beforeAll(async () => {
    fresh = freshSchema(TEST_DATABASE_URL!, 'pgkb');
    store = await openStore({ databaseUrl: fresh.url, schema: fresh.schema });
    engine = new PgKbEngine(store, { warn: (m) => warnings.push(m) });
  });
  afterAll(async () => {
    await store?.close();
    await fresh?.drop();
  });

  /** The BM25 statistics recomputed from the chunk rows: what the maintained tables must always equal. */
  async function statsConsistent(kbId: string): Promise<void> {
    const chunkRows = await sql<{ lexical_text: string }>`select lexical_text from kb_chunks where kb_id = ${kbId}`.execute(store.db);
    const df = new Map<string, number>();
    let total = 0;
    for (const r of chunkRows.rows) {
      const terms = r.lexical_text.split(' ').filter(Boolean);
      total += terms.length;
      for (const t of new Set(terms)) df.set(t, (df.get(t) ?? 0) + 1);
    }
    const stats = await sql<{ chunk_count: number; total_length: number }>`select chunk_count, total_length from kb_lexical_stats where kb_id = ${kbId}`.execute(store.db);
    expect(stats.rows[0]).toEqual({ chunk_count: chunkRows.rows.length, total_length: total });
    const terms = await sql<{ term: string; df: number }>`select term, df from kb_terms where kb_id = ${kbId}`.execute(store.db);
    expect(new Map(terms.rows.map((t) => [t.term, t.df]))).toEqual(df);
    const postings = await sql<{ n: number }>`select count(*) as n from kb_postings where kb_id = ${kbId}`.execute(store.db);
    expect(postings.rows[0]!.n).toBe([...df.values()].reduce((s, n) => s + n, 0));
  }

  describe('BM25', () => {
    let kb: KnowledgeBase;
    // N = 3 chunks, lengths 3, 3, 1: avgdl = 7/3
    const corpus = ['cat sat mat', 'cat cat dog', 'bird'];
    const k = (dl: number, avgdl: number) => 1.2 * (1 - 0.75 + (0.75 * dl) / avgdl);

    beforeAll(async () => {
      kb = await createKb(engine, 'acme');
      await engine.replaceDocument(kb.id, doc('animals'), rawChunks(corpus));
    });

    it('scores one term as BM25 defines it (k1 = 1.2, b = 0.75, idf = ln(1 + (N − df + 0.5)/(df + 0.5)))', async () => {
      const ids = (await engine.chunkTexts(kb.id, 0, 10)).map((c) => c.id);
      const hits = await engine.lexicalSearch(kb, ['cat'], undefined, 10);
      const idfCat = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)); // ln 1.6
      expect(hits.map((h) => h.id)).toEqual([ids[1], ids[0]]); // tf 2 beats tf 1 at equal length; 'bird' has no cat
      expect(hits[0]!.score).toBeCloseTo((idfCat * 2 * 2.2) / (2 + k(3, 7 / 3)), 12);
      expect(hits[1]!.score).toBeCloseTo((idfCat * 1 * 2.2) / (1 + k(3, 7 / 3)), 12);
    });

    it('sums over distinct query terms, a rare term weighing more than a common one', async () => {
      const ids = (await engine.chunkTexts(kb.id, 0, 10)).map((c) => c.id);
      const hits = await engine.lexicalSearch(kb, ['dog', 'cat', 'cat'], undefined, 10);
      const idfCat = Math.log(1.6);
      const idfDog = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
      expect(hits.map((h) => h.id)).toEqual([ids[1], ids[0]]);
      expect(hits[0]!.score).toBeCloseTo((idfCat * 2 * 2.2) / (2 + k(3, 7 / 3)) + (idfDog * 2.2) / (1 + k(3, 7 / 3)), 12);
      // a short chunk outranks a long one for the same tf: length normalisation
      const short = await engine.lexicalSearch(kb, ['bird', 'sat'], undefined, 10);
      expect(short[0]!.id).toBe(ids[2]);
    });

    it('keeps N, avgdl and df in step when a document comes and goes', async () => {
      const before = await engine.lexicalSearch(kb, ['cat', 'dog'], undefined, 10);
      await engine.replaceDocument(kb.id, doc('more'), rawChunks(['dog']));
      // N = 4, avgdl = 2, df(cat) = 2: idf = ln 2
      const during = await engine.lexicalSearch(kb, ['cat'], undefined, 10);
      expect(during[0]!.score).toBeCloseTo((Math.log(2) * 2 * 2.2) / (2 + k(3, 2)), 12);
      await statsConsistent(kb.id);
      expect(await engine.removeDocument(kb.id, 'more')).toBe(true);
      expect(await engine.lexicalSearch(kb, ['cat', 'dog'], undefined, 10)).toEqual(before);
      await statsConsistent(kb.id);
    });

    it('counts statistics per knowledge base: another knowledge base full of the term changes nothing', async () => {
      const before = await engine.lexicalSearch(kb, ['cat'], undefined, 10);
      const other = await createKb(engine, 'acme');
      await engine.replaceDocument(other.id, doc('cats'), rawChunks(['cat', 'cat cat', 'cat kitten', 'cat']));
      expect(await engine.lexicalSearch(kb, ['cat'], undefined, 10)).toEqual(before);
      expect((await engine.lexicalSearch(other, ['cat'], undefined, 10)).length).toBe(4);
    });

    it('returns nothing for no terms or unknown terms', async () => {
      expect(await engine.lexicalSearch(kb, [], undefined, 10)).toEqual([]);
      expect(await engine.lexicalSearch(kb, ['zebra'], undefined, 10)).toEqual([]);
    });
  });

  describe('documents', () => {
    it('replaces a document atomically: new chunks in, old chunks and their terms out', async () => {
      const kb = await createKb(engine, 'acme');
      const vs = randomVectors(7, 3, 8);
      await engine.replaceDocument(kb.id, doc('guide', {}, 'v1'), chunks(['Solar panels on the roof', 'Inverters convert current'], vs));
      await engine.replaceDocument(kb.id, doc('guide', {}, 'v2'), chunks(['Wind turbines in the sea'], [vs[2]!]));
      expect(await engine.counts(kb.id)).toEqual({ documents: 1, chunks: 1 });
      expect(await engine.documents(kb.id)).toEqual([{ docId: 'guide', relPath: 'guide.txt', contentHash: 'v2', chunkCount: 1 }]);
      expect(await engine.lexicalSearch(kb, ['solar'], undefined, 5)).toEqual([]);
      const wind = await engine.lexicalSearch(kb, ['wind'], undefined, 5);
      const [row] = await engine.chunksById(kb.id, wind.map((h) => h.id));
      expect(row).toMatchObject({ docId: 'guide', ordinal: 0, text: 'Wind turbines in the sea', page: null, parentText: null });
      await statsConsistent(kb.id);
    });

    it('leaves the old version whole when a replacement fails halfway', async () => {
      const kb = await createKb(engine, 'acme');
      const vs = randomVectors(8, 2, 8);
      await engine.replaceDocument(kb.id, doc('a', {}, 'v1'), chunks(['first version text'], [vs[0]!]));
      const broken = chunks(['second version', 'same ordinal twice'], vs).map((c) => ({ ...c, ordinal: 0 }));
      await expect(engine.replaceDocument(kb.id, doc('a', {}, 'v2'), broken)).rejects.toThrow();
      expect(await engine.documents(kb.id)).toEqual([{ docId: 'a', relPath: 'a.txt', contentHash: 'v1', chunkCount: 1 }]);
      expect((await engine.lexicalSearch(kb, ['first'], undefined, 5)).length).toBe(1);
      await statsConsistent(kb.id);
    });

    it('serialises concurrent replaces of one document: one version wins whole', async () => {
      const kb = await createKb(engine, 'acme');
      const vs = randomVectors(9, 6, 8);
      const versions = [1, 2, 3, 4, 5, 6].map((n) => chunks(Array.from({ length: n }, (_, i) => `version ${n} part ${i} shared words`), vs.slice(0, n)));
      await Promise.all(versions.map((c, i) => engine.replaceDocument(kb.id, doc('busy', {}, `v${i + 1}`), c)));
      const [info] = await engine.documents(kb.id);
      const rows = await sql<{ text: string }>`select text from kb_chunks where kb_id = ${kb.id} order by ordinal`.execute(store.db);
      expect(rows.rows.length).toBe(info!.chunkCount);
      expect(rows.rows.every((r) => r.text.startsWith(`version ${info!.chunkCount} `))).toBe(true);
      expect(info!.contentHash).toBe(`v${info!.chunkCount}`);
      await statsConsistent(kb.id);
    });

    it('removes a document with its chunks, and says when there was none', async () => {
      const kb = await createKb(engine, 'acme');
      await engine.replaceDocument(kb.id, doc('x'), chunks(['alpha beta'], randomVectors(1, 1, 4)));
      expect(await engine.removeDocument(kb.id, 'x')).toBe(true);
      expect(await engine.removeDocument(kb.id, 'x')).toBe(false);
      expect(await engine.counts(kb.id)).toEqual({ documents: 0, chunks: 0 });
      await statsConsistent(kb.id);
    });

    it('pages chunk texts by id and rewrites embeddings', async () => {
      const kb = await createKb(engine, 'acme');
      const vs = randomVectors(2, 5, 4);
      await engine.replaceDocument(kb.id, doc('p'), chunks(['c0', 'c1', 'c2', 'c3', 'c4'], vs));
      const first = await engine.chunkTexts(kb.id, 0, 2);
      const rest = await engine.chunkTexts(kb.id, first[1]!.id, 10);
      expect([...first, ...rest].map((c) => c.text)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
      const target = unit([1, 2, 3, 4]);
      await engine.updateEmbeddings(kb.id, [{ id: rest[2]!.id, embedding: target }]);
      const [best] = await engine.vectorSearch(kb, target, undefined, 1);
      expect(best).toEqual({ id: rest[2]!.id, score: expect.closeTo(1, 5) });
    });

    it('deletes a knowledge base with everything in it; a write racing the delete fails cleanly', async () => {
      const kb = await createKb(engine, 'acme');
      await engine.replaceDocument(kb.id, doc('d'), chunks(['gone soon'], randomVectors(3, 1, 4)));
      await engine.deleteKnowledgeBase(kb.id);
      expect(await engine.getKnowledgeBaseById('acme', kb.id)).toBeUndefined();
      for (const table of ['kb_chunks', 'kb_documents', 'kb_postings', 'kb_terms', 'kb_lexical_stats']) {
        const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where kb_id = ${kb.id}`.execute(store.db);
        expect(r.rows[0]!.n, table).toBe(0);
      }
      const err = await caught(engine.replaceDocument(kb.id, doc('d'), chunks(['late'], randomVectors(3, 1, 4))));
      expect(err).toBeInstanceOf(StrataError);
      expect((err).code).toBe('not_found');
    });
  });

  describe('knowledge bases and tenants', () => {
    it('refuses a second knowledge base of the same name in a tenant with 409, allows it in another tenant', async () => {
      await createKb(engine, 'acme', { name: 'handbook' });
      const err = await caught(createKb(engine, 'acme', { name: 'handbook' }));
      expect(err).toBeInstanceOf(StrataError);
      expect((err).code).toBe('invalid_request');
      expect((err).status).toBe(409);
      const theirs = await createKb(engine, 'globex', { name: 'handbook' });
      expect((await engine.getKnowledgeBase('globex', 'handbook'))?.id).toBe(theirs.id);
    });

    it('shows a tenant only its own knowledge bases, by name and by id', async () => {
      const mine = await createKb(engine, 'initech', { name: 'secret' });
      expect(await engine.getKnowledgeBase('umbrella', 'secret')).toBeUndefined();
      expect(await engine.getKnowledgeBaseById('umbrella', mine.id)).toBeUndefined();
      expect((await engine.getKnowledgeBaseById('initech', mine.id))?.name).toBe('secret');
      expect((await engine.listKnowledgeBases('initech')).map((r) => r.name)).toEqual(['secret']);
      expect(await engine.listKnowledgeBases('umbrella')).toEqual([]);
    });

    it('records a new config', async () => {
      const kb = await createKb(engine, 'acme');
      await engine.updateConfig(kb.id, { ...kb.config, embeddingModel: 'titan-embed' });
      const row = await engine.getKnowledgeBaseById('acme', kb.id);
      expect(JSON.parse(row!.config).embeddingModel).toBe('titan-embed');
    });
  });

  describe('vector search without pgvector', () => {
    it('says once, loudly, that pgvector is missing, and scans exactly', async () => {
      const available = await sql<{ n: number }>`select count(*) as n from pg_available_extensions where name = 'vector'`.execute(store.db);
      const support = await engine.vectorSupport();
      if (available.rows[0]!.n > 0) return; // a server with pgvector takes the pgvector path (pg-vector.test.ts)
      expect(support.kind).toBe('exact');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/pgvector is not available.*exact scan/);
    });

    it('ranks exactly like a brute-force cosine ranking, over more rows than one page, ignoring other dimensions', async () => {
      const kb = await createKb(engine, 'acme', { vector: 'hnsw' });
      const vs = randomVectors(11, 2300, 16);
      const texts = vs.map((_, i) => `chunk ${i}`);
      await engine.replaceDocument(kb.id, doc('many'), chunks(texts, vs));
      await engine.replaceDocument(kb.id, doc('other-model'), chunks(['wider'], randomVectors(12, 1, 32)));
      const ids: number[] = [];
      for (let after = 0; ; ) {
        const page = await engine.chunkTexts(kb.id, after, 1000);
        if (page.length === 0) break;
        ids.push(...page.map((p) => p.id));
        after = page[page.length - 1]!.id;
      }
      const items = vs.map((embedding, i) => ({ id: ids[i]!, embedding }));
      for (const q of randomVectors(13, 3, 16)) {
        const hits = await engine.vectorSearch(kb, q, undefined, 10);
        expect(hits.map((h) => h.id)).toEqual(exactRanking(q, items, 10).map((h) => h.id));
      }
    });
  });
});
