import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { TEST_DATABASE_URL, freshSchema } from '../../helpers/postgres.js';

// Migration 10 (kb-postgres): the BM25 tables on PostgreSQL, nothing at all on SQLite.
describe('migration 10 (kb-postgres)', () => {
  it('is recorded on SQLite without creating anything', async () => {
    const store = await openStore({ home: ':memory:' });
    try {
      const applied = await sql<{ id: number }>`select id from strata_migrations where id = 10`.execute(store.db);
      expect(applied.rows).toHaveLength(1);
      const tables = await sql<{ name: string }>`select name from sqlite_master where name like 'kb_%' order by name`.execute(store.db);
      expect(tables.rows.map((r) => r.name)).not.toContain('kb_postings');
      const cols = await sql<{ name: string }>`select name from pragma_table_info('kb_chunks')`.execute(store.db);
      expect(cols.rows.map((c) => c.name)).not.toContain('lexical_length');
    } finally {
      await store.close();
    }
  });

  it.skipIf(!TEST_DATABASE_URL)('creates the postings, term and statistics tables on PostgreSQL; the vector column only with pgvector', async () => {
    const fresh = freshSchema(TEST_DATABASE_URL!, 'pgkb_mig');
    const store = await openStore({ databaseUrl: fresh.url, schema: fresh.schema });
    try {
      const tables = await sql<{ name: string }>`
        select table_name as name from information_schema.tables where table_schema = ${fresh.schema} and table_name like 'kb_%' order by 1`.execute(store.db);
      expect(tables.rows.map((r) => r.name)).toEqual(expect.arrayContaining(['kb_chunks', 'kb_documents', 'kb_lexical_stats', 'kb_postings', 'kb_terms']));
      const hasPgvector = await sql<{ n: number }>`select count(*) as n from pg_extension where extname = 'vector'`.execute(store.db);
      const cols = await sql<{ name: string }>`
        select column_name as name from information_schema.columns where table_schema = ${fresh.schema} and table_name = 'kb_chunks'`.execute(store.db);
      expect(cols.rows.map((c) => c.name)).toContain('lexical_length');
      expect(cols.rows.map((c) => c.name).includes('embedding_v')).toBe(hasPgvector.rows[0]!.n > 0);
    } finally {
      await store.close();
      await fresh.drop();
    }
  });
});
