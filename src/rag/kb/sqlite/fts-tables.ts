import type BetterSqlite3 from 'better-sqlite3';
import { sha256Hex } from '../../../core/index.js';

/*
 * One FTS5 table per knowledge base. BM25's document frequencies and average length come from the FTS
 * index's own totals, so a table shared by every knowledge base would let one tenant's text shift another's
 * scores. Each table is external-content over kb_chunks (no second copy of the text) and is written by the
 * engine in the same transaction as the chunks, not by triggers (a trigger cannot pick the table per row).
 */

/** The FTS5 table of a knowledge base: a plain identifier derived from its id (UUIDs keep their hex). */
export function ftsTableOf(kbId: string): string {
  const hex = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(kbId) ? kbId.replaceAll('-', '').toLowerCase() : sha256Hex(kbId).slice(0, 32);
  return `kb_fts_${hex}`;
}

/**
 * Creates the table when missing and fills it from the chunks already stored (knowledge bases made before
 * per-KB tables existed). Idempotent; call inside the caller's transaction.
 */
export function ensureFtsTable(db: BetterSqlite3.Database, kbId: string): string {
  const table = ftsTableOf(kbId);
  const exists = db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table) !== undefined;
  if (!exists) {
    db.exec(`create virtual table ${table} using fts5(lexical_text, content='kb_chunks', content_rowid='id', tokenize='unicode61')`);
    db.prepare(`insert into ${table}(rowid, lexical_text) select id, lexical_text from kb_chunks where kb_id = ?`).run(kbId);
  }
  return table;
}

/** Drops a knowledge base's FTS table (with the knowledge base). */
export function dropFtsTable(db: BetterSqlite3.Database, kbId: string): void {
  db.exec(`drop table if exists ${ftsTableOf(kbId)}`);
}
