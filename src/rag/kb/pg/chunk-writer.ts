import { sql, type Kysely } from 'kysely';
import type { StrataDatabase } from '../../../store/index.js';
import type { StoredChunk, StoredDocument } from '../engine.js';
import { indexChunks, termFrequencies } from './bm25.js';
import { pgvectorSql, vectorLiteral, type VectorSupport } from './pgvector.js';

type Db = Kysely<StrataDatabase>;

/** Chunks per INSERT: one array parameter per column keeps the statement small whatever the document size. */
const INSERT_BATCH = 500;

/**
 * Inserts a document's chunks (bytea vector always, the source of truth; the pgvector column too when there is
 * one) and their BM25 postings, inside the caller's transaction.
 */
export async function insertChunks(trx: Db, support: VectorSupport, kbId: string, doc: StoredDocument, chunks: StoredChunk[]): Promise<void> {
  const v = support.kind === 'pgvector' ? pgvectorSql(support.schema) : undefined;
  for (let i = 0; i < chunks.length; i += INSERT_BATCH) {
    const batch = chunks.slice(i, i + INSERT_BATCH);
    const col = <T>(f: (c: StoredChunk) => T): T[] => batch.map(f);
    const arrays = sql`unnest(
        ${col((c) => c.ordinal)}::int[], ${col((c) => c.text)}::text[], ${col((c) => c.lexicalText)}::text[],
        ${col((c) => termFrequencies(c.lexicalText).length)}::int[], ${col((c) => c.tokenCount)}::int[],
        ${col((c) => c.start)}::int[], ${col((c) => c.end)}::int[], ${col((c) => JSON.stringify(c.headingPath))}::text[],
        ${col((c) => c.page)}::int[], ${col((c) => c.parentText)}::text[],
        ${col((c) => Buffer.from(c.embedding.buffer, c.embedding.byteOffset, c.embedding.byteLength))}::bytea[],
        ${col((c) => (v === undefined ? null : vectorLiteral(c.embedding)))}::text[]
      ) as u(ordinal, text, lexical_text, lexical_length, token_count, start_offset, end_offset, heading_path, page, parent_text, embedding, embedding_v)`;
    const inserted =
      v === undefined
        ? await sql<{ id: number; ordinal: number }>`
            insert into kb_chunks (kb_id, doc_id, ordinal, text, lexical_text, lexical_length, token_count, start_offset, end_offset, heading_path, page, parent_text, metadata, embedding)
            select ${kbId}, ${doc.docId}, u.ordinal, u.text, u.lexical_text, u.lexical_length, u.token_count, u.start_offset, u.end_offset, u.heading_path, u.page, u.parent_text, ${doc.metadata}, u.embedding
            from ${arrays} returning id, ordinal`.execute(trx)
        : await sql<{ id: number; ordinal: number }>`
            insert into kb_chunks (kb_id, doc_id, ordinal, text, lexical_text, lexical_length, token_count, start_offset, end_offset, heading_path, page, parent_text, metadata, embedding, embedding_v)
            select ${kbId}, ${doc.docId}, u.ordinal, u.text, u.lexical_text, u.lexical_length, u.token_count, u.start_offset, u.end_offset, u.heading_path, u.page, u.parent_text, ${doc.metadata}, u.embedding, u.embedding_v::${v.vectorType()}
            from ${arrays} returning id, ordinal`.execute(trx);
    const idByOrdinal = new Map(inserted.rows.map((r) => [r.ordinal, Number(r.id)]));
    await indexChunks(
      trx,
      kbId,
      doc.docId,
      batch.map((c) => ({ id: idByOrdinal.get(c.ordinal)!, lexicalText: c.lexicalText })),
    );
  }
}
