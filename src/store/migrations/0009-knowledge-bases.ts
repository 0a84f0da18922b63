import { sql } from 'kysely';
import type { Migration } from './types.js';

/**
 * Knowledge bases: their recorded config, their documents (with the content hash that makes re-ingestion
 * skip or replace), and their chunks with the embedding as bytes. On SQLite an FTS5 index over the chunk
 * text (external content, kept in step by triggers) gives BM25; PostgreSQL gets the tables only for now —
 * its lexical and vector index (pgvector, BM25) is a later migration.
 */
export const knowledgeBasesMigration: Migration = {
  id: 9,
  name: 'knowledge-bases',
  async up(db, dialect) {
    await db.schema
      .createTable('knowledge_bases')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('knowledge_bases_name_idx').on('knowledge_bases').columns(['tenant', 'name']).unique().execute();
    await db.schema
      .createTable('kb_documents')
      .addColumn('kb_id', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('rel_path', 'text', (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('chunk_count', 'integer', (c) => c.notNull())
      .addColumn('token_count', 'integer', (c) => c.notNull())
      .addColumn('ingested_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('kb_documents_pk', ['kb_id', 'doc_id'])
      .execute();
    // An integer key: FTS5 external content joins on the rowid.
    await db.schema
      .createTable('kb_chunks')
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
      .addColumn('kb_id', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('ordinal', 'integer', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('lexical_text', 'text', (c) => c.notNull())
      .addColumn('token_count', 'integer', (c) => c.notNull())
      .addColumn('start_offset', 'integer', (c) => c.notNull())
      .addColumn('end_offset', 'integer', (c) => c.notNull())
      .addColumn('heading_path', 'text', (c) => c.notNull())
      .addColumn('page', 'integer')
      .addColumn('parent_text', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('embedding', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('kb_chunks_doc_idx').on('kb_chunks').columns(['kb_id', 'doc_id', 'ordinal']).unique().execute();
    if (dialect === 'sqlite') {
      // The index holds lexical_text (the chunk analysed in JS: stop words out, the project's light stemmer),
      // not the raw text: Porter in FTS5 over-stems (it merges words the local analyser keeps apart), and one
      // analyser for documents and queries on both engines keeps BM25 results the same everywhere.
      await sql`create virtual table kb_chunks_fts using fts5(lexical_text, content='kb_chunks', content_rowid='id', tokenize='unicode61')`.execute(db);
      await sql`create trigger kb_chunks_fts_ai after insert on kb_chunks begin insert into kb_chunks_fts(rowid, lexical_text) values (new.id, new.lexical_text); end`.execute(db);
      await sql`create trigger kb_chunks_fts_ad after delete on kb_chunks begin insert into kb_chunks_fts(kb_chunks_fts, rowid, lexical_text) values ('delete', old.id, old.lexical_text); end`.execute(db);
      await sql`create trigger kb_chunks_fts_au after update of lexical_text on kb_chunks begin insert into kb_chunks_fts(kb_chunks_fts, rowid, lexical_text) values ('delete', old.id, old.lexical_text); insert into kb_chunks_fts(rowid, lexical_text) values (new.id, new.lexical_text); end`.execute(db);
    }
  },
};
