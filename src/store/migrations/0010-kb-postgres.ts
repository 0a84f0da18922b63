import { sql, type Kysely } from 'kysely';
import type { Migration } from './types.js';

/**
 * Knowledge-base search structures on PostgreSQL (SQLite has FTS5 from migration 9: nothing to do there).
 *
 * BM25 needs statistics that PostgreSQL's text search does not keep: a postings table (one row per term of
 * a chunk, with its term frequency and the chunk's length), document frequencies per knowledge base and
 * term, and per knowledge base the chunk count and total length (for the average length). The engine keeps
 * them in step with the chunks inside the same transactions (src/rag/kb/pg).
 *
 * Vectors: when the server offers pgvector, the extension is created and kb_chunks gets an untyped `vector`
 * column beside the bytea one (knowledge bases differ in dimension; each gets its own partial HNSW index on a
 * cast to its dimension, created by the engine). Without pgvector (or without the right to create it) the
 * migration still succeeds: the engine searches the bytea vectors exactly, and adds the column itself if
 * pgvector appears later.
 */
export const kbPostgresMigration: Migration = {
  id: 10,
  name: 'kb-postgres',
  async up(db, dialect) {
    if (dialect !== 'postgres') return;
    await sql`alter table kb_chunks add column lexical_length integer not null default 0`.execute(db);
    // (kb_id, term) leads the key: a query reads the postings of a few terms of one knowledge base.
    await sql`create table kb_postings (
      kb_id text not null,
      term text not null,
      chunk_id bigint not null,
      doc_id text not null,
      tf integer not null,
      dl integer not null,
      primary key (kb_id, term, chunk_id)
    )`.execute(db);
    await sql`create index kb_postings_doc_idx on kb_postings (kb_id, doc_id)`.execute(db);
    await sql`create table kb_terms (
      kb_id text not null,
      term text not null,
      df integer not null,
      primary key (kb_id, term)
    )`.execute(db);
    await sql`create table kb_lexical_stats (
      kb_id text primary key,
      chunk_count bigint not null,
      total_length bigint not null
    )`.execute(db);
    await sql`create index kb_chunks_kb_id_idx on kb_chunks (kb_id, id)`.execute(db);
    const schema = await installPgvector(db);
    if (schema !== undefined) {
      await sql`alter table kb_chunks add column embedding_v ${sql.id(schema, 'vector')}`.execute(db);
    }
  },
};

/** Creates the vector extension when the server has it; its schema, or undefined when it is not there. */
async function installPgvector(db: Kysely<unknown>): Promise<string | undefined> {
  const available = await sql<{ ok: boolean }>`select exists (select 1 from pg_available_extensions where name = 'vector') as ok`.execute(db);
  if (available.rows[0]?.ok === true) {
    // A savepoint: without the privilege to create extensions the error must not abort the migration.
    await sql`savepoint kb_pgvector`.execute(db);
    try {
      await sql`create extension if not exists vector`.execute(db);
      await sql`release savepoint kb_pgvector`.execute(db);
    } catch {
      await sql`rollback to savepoint kb_pgvector`.execute(db);
    }
  }
  const installed = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'vector'`.execute(db);
  return installed.rows[0]?.schema;
}
