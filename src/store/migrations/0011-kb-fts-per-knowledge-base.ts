import { sql } from 'kysely';
import type { Migration } from './types.js';

/**
 * SQLite: BM25 statistics per knowledge base. Migration 9 indexed every knowledge base in one FTS5 table,
 * so document frequencies (and so scores) of one tenant's knowledge base depended on every other's text.
 * The shared table and its triggers go; the knowledge-base engine creates one FTS5 table per knowledge base
 * (`kb_fts_<id>`) and fills it from kb_chunks the first time it touches a knowledge base that has none, so
 * existing data needs no copy here. PostgreSQL is unaffected.
 */
export const kbFtsPerKnowledgeBaseMigration: Migration = {
  id: 11,
  name: 'kb-fts-per-knowledge-base',
  async up(db, dialect) {
    if (dialect !== 'sqlite') return;
    await sql`drop trigger if exists kb_chunks_fts_ai`.execute(db);
    await sql`drop trigger if exists kb_chunks_fts_ad`.execute(db);
    await sql`drop trigger if exists kb_chunks_fts_au`.execute(db);
    await sql`drop table if exists kb_chunks_fts`.execute(db);
  },
};
