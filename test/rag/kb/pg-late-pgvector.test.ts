import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, describe, expect, it } from 'vitest';
import { PgKbEngine } from '../../../src/rag/kb/pg/index.js';
import { hnswIndexes } from '../../../src/rag/kb/pg/pgvector.js';
import { openStore } from '../../../src/store/index.js';
import { TEST_PGVECTOR_URL } from '../../helpers/pglite.js';
import { chunks, createKb, doc, randomVectors } from './pg-fixtures.js';

/** A PGlite on a data directory, served on a free port; with or without the pgvector bundle. */
async function serve(dataDir: string, withPgvector: boolean): Promise<{ url: string; stop(): Promise<void> }> {
  const db = await PGlite.create({ dataDir, ...(withPgvector ? { extensions: { vector } } : {}) });
  const server = new PGLiteSocketServer({ db, port: 0, maxConnections: 32 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

// pgvector installed after Strata first ran: the knowledge base written with the exact fallback moves to
// pgvector on the next start (column added, vectors copied from bytea, HNSW index built on first search).
// Runs with the PGlite suites (it needs no shared server, only the same packages).
describe.skipIf(!TEST_PGVECTOR_URL)('pgvector arriving later', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // two PGlite starts on a data directory (initdb, then recovery) take ~20 s on a 2-core machine
  it('backfills the vector column and then searches through HNSW with the same results', { timeout: 120_000 }, async () => {
    const vs = randomVectors(71, 30, 8);
    const warnings: string[] = [];
    let before: { id: number; score: number }[];
    let kbId: string;
    {
      const pg = await serve(dir, false);
      const store = await openStore({ databaseUrl: pg.url });
      const engine = new PgKbEngine(store, { warn: (m) => warnings.push(m) });
      expect((await engine.vectorSupport()).kind).toBe('exact');
      const kb = await createKb(engine, 'acme', { vector: 'hnsw' });
      kbId = kb.id;
      await engine.replaceDocument(kb.id, doc('d'), chunks(vs.map((_, i) => `chunk ${i}`), vs));
      before = await engine.vectorSearch(kb, vs[4]!, undefined, 5);
      await store.close();
      await pg.stop();
    }
    expect(warnings).toHaveLength(1);
    const pg = await serve(dir, true);
    const store = await openStore({ databaseUrl: pg.url });
    try {
      const engine = new PgKbEngine(store, { warn: (m) => warnings.push(m) });
      expect((await engine.vectorSupport()).kind).toBe('pgvector');
      const row = await engine.getKnowledgeBaseById('acme', kbId);
      const kb = { id: kbId, tenant: 'acme', name: row!.name, config: JSON.parse(row!.config), createdAt: 0, updatedAt: 0, documents: 1, chunks: 30 };
      const after = await engine.vectorSearch(kb, vs[4]!, undefined, 5);
      expect(after.map((h) => h.id)).toEqual(before.map((h) => h.id));
      expect(await hnswIndexes(store.db, kbId)).toHaveLength(1);
      expect(warnings).toHaveLength(1);
    } finally {
      await store.close();
      await pg.stop();
    }
  });
});
