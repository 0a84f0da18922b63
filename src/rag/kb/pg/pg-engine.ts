import { sql, type Kysely } from 'kysely';
import { StrataError } from '../../../core/index.js';
import type { Store, StrataDatabase } from '../../../store/index.js';
import type { RetrievalFilter } from '../../retrieve/index.js';
import type { ChunkHit, KbEngine, KnowledgeBaseRow, StoredChunk, StoredChunkRow, StoredDocument, StoredDocumentInfo } from '../engine.js';
import type { KnowledgeBase, KnowledgeBaseConfig } from '../types.js';
import { bm25Search, dropLexicalIndex, unindexDocument } from './bm25.js';
import { insertChunks } from './chunk-writer.js';
import { assertDimensions, dropStaleHnswIndexes, ensureHnswIndex, pgvectorSql, vectorLiteral, vectorSupport, type VectorSupport } from './pgvector.js';
import { vectorSearch } from './vector-search.js';

type Db = Kysely<StrataDatabase>;

export interface PgKbEngineOptions {
  /** where the one-time "pgvector is missing" warning goes (default: a Node process warning on stderr) */
  warn?: (message: string) => void;
}

const UNIQUE_VIOLATION = '23505';
const UPDATE_BATCH = 500;

function defaultWarn(message: string): void {
  process.emitWarning(message, { code: 'STRATA_NO_PGVECTOR' });
}

/**
 * Knowledge bases on PostgreSQL: pgvector, with a partial HNSW index per knowledge base configured
 * `index.vector: hnsw` (exact scans otherwise, and when the server has no pgvector), and BM25 computed in SQL from postings the engine maintains (see bm25.ts for why not ts_rank).
 *
 * Writes to one knowledge base are serialised by a row lock on its knowledge_bases row, taken first in every
 * write transaction: the BM25 statistics are rows every write of that knowledge base updates, and taking
 * the one lock up front makes concurrent replaces of a document queue instead of interleaving or deadlocking.
 * It also makes a write that races a delete of its knowledge base fail cleanly (not_found) instead of leaving
 * orphan chunks. Different knowledge bases write in parallel.
 */
export class PgKbEngine implements KbEngine {
  readonly dialect = 'postgres' as const;
  private readonly db: Db;
  private readonly warn: (message: string) => void;

  constructor(store: Store, opts: PgKbEngineOptions = {}) {
    if (store.dialect !== 'postgres') throw new StrataError('internal', 'PgKbEngine needs a PostgreSQL store.');
    this.db = store.db;
    this.warn = opts.warn ?? defaultWarn;
  }

  /** pgvector or the exact fallback, detected once per store. */
  vectorSupport(): Promise<VectorSupport> {
    return vectorSupport(this.db, this.warn);
  }

  /** Whether the knowledge base's recorded config asks for an HNSW index (older configs have no `index`: exact). */
  private async usesHnsw(kbId: string): Promise<boolean> {
    const row = await this.db.selectFrom('knowledge_bases').select('config').where('id', '=', kbId).executeTakeFirst();
    if (row === undefined) return false;
    return (JSON.parse(row.config) as Partial<KnowledgeBaseConfig>).index?.vector === 'hnsw';
  }

  /** Inserts a knowledge base row; invalid_request (409) when the tenant already has one by that name. */
  async insertKnowledgeBase(row: KnowledgeBaseRow): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('knowledge_bases').values(row).execute();
        await sql`insert into kb_lexical_stats (kb_id, chunk_count, total_length) values (${row.id}, 0, 0)`.execute(trx);
      });
    } catch (e) {
      // the unique (tenant, name) index decides, so two concurrent creates cannot both succeed
      if ((e as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new StrataError('invalid_request', `Knowledge base '${row.name}' already exists in tenant ${row.tenant}.`, { status: 409, cause: e });
      }
      throw e;
    }
  }

  async listKnowledgeBases(tenant: string): Promise<KnowledgeBaseRow[]> {
    return this.db.selectFrom('knowledge_bases').selectAll().where('tenant', '=', tenant).orderBy('name').execute();
  }

  async getKnowledgeBase(tenant: string, name: string): Promise<KnowledgeBaseRow | undefined> {
    return this.db.selectFrom('knowledge_bases').selectAll().where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
  }

  async getKnowledgeBaseById(tenant: string, id: string): Promise<KnowledgeBaseRow | undefined> {
    return this.db.selectFrom('knowledge_bases').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  }

  /** Deletes the knowledge base and every row of it in one transaction, then its HNSW indexes. */
  async deleteKnowledgeBase(kbId: string): Promise<void> {
    const existed = await this.db.transaction().execute(async (trx) => {
      if (!(await lockKnowledgeBase(trx, kbId))) return false;
      await dropLexicalIndex(trx, kbId);
      await trx.deleteFrom('kb_chunks').where('kb_id', '=', kbId).execute();
      await trx.deleteFrom('kb_documents').where('kb_id', '=', kbId).execute();
      await trx.deleteFrom('knowledge_bases').where('id', '=', kbId).execute();
      return true;
    });
    if (existed) await dropStaleHnswIndexes(this.db, await this.vectorSupport(), kbId, true);
  }

  /**
   * Replaces the recorded config and bumps updated_at. HNSW indexes of a dimension no chunk has any more go
   * (all of them when the config says exact); a missing one is built by the next search.
   */
  async updateConfig(kbId: string, config: KnowledgeBaseConfig): Promise<void> {
    await this.db.updateTable('knowledge_bases').set({ config: JSON.stringify(config), updated_at: Date.now() }).where('id', '=', kbId).execute();
    await dropStaleHnswIndexes(this.db, await this.vectorSupport(), kbId, config.index?.vector !== 'hnsw');
  }

  async counts(kbId: string): Promise<{ documents: number; chunks: number }> {
    const r = await sql<{ documents: number; chunks: number }>`
      select count(*) as documents, coalesce(sum(chunk_count), 0)::int8 as chunks from kb_documents where kb_id = ${kbId}`.execute(this.db);
    return { documents: Number(r.rows[0]?.documents ?? 0), chunks: Number(r.rows[0]?.chunks ?? 0) };
  }

  async documents(kbId: string): Promise<StoredDocumentInfo[]> {
    const rows = await this.db
      .selectFrom('kb_documents')
      .select(['doc_id', 'rel_path', 'content_hash', 'chunk_count'])
      .where('kb_id', '=', kbId)
      .orderBy('rel_path')
      .orderBy('doc_id')
      .execute();
    return rows.map((r) => ({ docId: r.doc_id, relPath: r.rel_path, contentHash: r.content_hash, chunkCount: r.chunk_count }));
  }

  /** Old chunks and their index entries out, new ones in, the document row last: one transaction. */
  async replaceDocument(kbId: string, doc: StoredDocument, chunks: StoredChunk[]): Promise<void> {
    const support = await this.vectorSupport();
    const dims = chunks[0]?.embedding.length;
    if (dims !== undefined) {
      assertDimensions(dims);
      if (chunks.some((c) => c.embedding.length !== dims)) {
        throw new StrataError('invalid_request', `The chunks of document '${doc.docId}' have embeddings of different dimensions.`);
      }
      if (await this.usesHnsw(kbId)) await ensureHnswIndex(this.db, support, kbId, dims);
    }
    await this.db.transaction().execute(async (trx) => {
      if (!(await lockKnowledgeBase(trx, kbId))) throw missingKnowledgeBase(kbId);
      await deleteDocumentRows(trx, kbId, doc.docId);
      await insertChunks(trx, support, kbId, doc, chunks);
      const tokens = chunks.reduce((s, c) => s + c.tokenCount, 0);
      const now = Date.now();
      await sql`insert into kb_documents (kb_id, doc_id, rel_path, content_hash, metadata, chunk_count, token_count, ingested_at)
        values (${kbId}, ${doc.docId}, ${doc.relPath}, ${doc.contentHash}, ${doc.metadata}, ${chunks.length}, ${tokens}, ${now})
        on conflict (kb_id, doc_id) do update set rel_path = excluded.rel_path, content_hash = excluded.content_hash,
          metadata = excluded.metadata, chunk_count = excluded.chunk_count, token_count = excluded.token_count, ingested_at = excluded.ingested_at`.execute(trx);
      await trx.updateTable('knowledge_bases').set({ updated_at: now }).where('id', '=', kbId).execute();
    });
  }

  /** Removes a document with its chunks and index entries in one transaction; false when it was not there. */
  async removeDocument(kbId: string, docId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      if (!(await lockKnowledgeBase(trx, kbId))) return false;
      await deleteDocumentRows(trx, kbId, docId);
      const r = await trx.deleteFrom('kb_documents').where('kb_id', '=', kbId).where('doc_id', '=', docId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async vectorSearch(kb: KnowledgeBase, query: Float32Array, filter: RetrievalFilter | undefined, limit: number): Promise<ChunkHit[]> {
    return vectorSearch(this.db, await this.vectorSupport(), kb.id, query, filter, limit, kb.config.index?.vector === 'hnsw');
  }

  async lexicalSearch(kb: KnowledgeBase, queryTerms: string[], filter: RetrievalFilter | undefined, limit: number): Promise<ChunkHit[]> {
    return bm25Search(this.db, kb.id, queryTerms, filter, limit);
  }

  async chunksById(kbId: string, ids: number[]): Promise<StoredChunkRow[]> {
    if (ids.length === 0) return [];
    const rows = await sql<{
      id: number;
      doc_id: string;
      ordinal: number;
      text: string;
      page: number | null;
      parent_text: string | null;
      metadata: string;
      start_offset: number;
      end_offset: number;
    }>`select id, doc_id, ordinal, text, page, parent_text, metadata, start_offset, end_offset
       from kb_chunks where kb_id = ${kbId} and id = any(${ids}::bigint[])`.execute(this.db);
    return rows.rows.map((r) => ({
      id: Number(r.id),
      docId: r.doc_id,
      ordinal: r.ordinal,
      text: r.text,
      page: r.page,
      parentText: r.parent_text,
      metadata: r.metadata,
      start: r.start_offset,
      end: r.end_offset,
    }));
  }

  async chunkTexts(kbId: string, afterId: number, limit: number): Promise<{ id: number; text: string }[]> {
    const rows = await this.db
      .selectFrom('kb_chunks')
      .select(['id', 'text'])
      .where('kb_id', '=', kbId)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), text: r.text }));
  }

  /** New embeddings for existing chunks of this knowledge base, in one transaction (rows of other knowledge bases are left alone). */
  async updateEmbeddings(kbId: string, rows: { id: number; embedding: Float32Array }[]): Promise<void> {
    if (rows.length === 0) return;
    const support = await this.vectorSupport();
    const hnsw = await this.usesHnsw(kbId);
    for (const d of new Set(rows.map((r) => r.embedding.length))) {
      assertDimensions(d);
      if (hnsw) await ensureHnswIndex(this.db, support, kbId, d);
    }
    await this.db.transaction().execute(async (trx) => {
      if (!(await lockKnowledgeBase(trx, kbId))) throw missingKnowledgeBase(kbId);
      for (let i = 0; i < rows.length; i += UPDATE_BATCH) {
        const batch = rows.slice(i, i + UPDATE_BATCH);
        const ids = batch.map((r) => r.id);
        const blobs = batch.map((r) => Buffer.from(r.embedding.buffer, r.embedding.byteOffset, r.embedding.byteLength));
        if (support.kind === 'pgvector') {
          const v = pgvectorSql(support.schema);
          await sql`update kb_chunks c set embedding = u.e, embedding_v = u.v::${v.vectorType()}
            from unnest(${ids}::bigint[], ${blobs}::bytea[], ${batch.map((r) => vectorLiteral(r.embedding))}::text[]) as u(id, e, v)
            where c.id = u.id and c.kb_id = ${kbId}`.execute(trx);
        } else {
          await sql`update kb_chunks c set embedding = u.e from unnest(${ids}::bigint[], ${blobs}::bytea[]) as u(id, e)
            where c.id = u.id and c.kb_id = ${kbId}`.execute(trx);
        }
      }
      await trx.updateTable('knowledge_bases').set({ updated_at: Date.now() }).where('id', '=', kbId).execute();
    });
  }
}

/** Row-locks the knowledge base for the rest of the transaction; false when it does not exist. */
async function lockKnowledgeBase(trx: Db, kbId: string): Promise<boolean> {
  const r = await sql`select id from knowledge_bases where id = ${kbId} for update`.execute(trx);
  return r.rows.length > 0;
}

function missingKnowledgeBase(kbId: string): StrataError {
  return new StrataError('not_found', `Knowledge base ${kbId} does not exist (it may have been deleted meanwhile).`);
}

/** A document's chunks and their lexical entries (HNSW entries go with the rows). */
async function deleteDocumentRows(trx: Db, kbId: string, docId: string): Promise<void> {
  await unindexDocument(trx, kbId, docId);
  await trx.deleteFrom('kb_chunks').where('kb_id', '=', kbId).where('doc_id', '=', docId).execute();
}
