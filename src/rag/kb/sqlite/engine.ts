import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { StrataError } from '../../../core/index.js';
import type { Store } from '../../../store/index.js';
import type { RetrievalFilter } from '../../retrieve/index.js';
import type { ChunkHit, KbEngine, KnowledgeBaseRow, StoredChunk, StoredChunkRow, StoredDocument, StoredDocumentInfo } from '../engine.js';
import type { KnowledgeBase, KnowledgeBaseConfig } from '../types.js';
import { vectorToBlob } from '../vectors.js';
import { ftsMatchOf } from '../fts-query.js';
import { dropFtsTable, ensureFtsTable, ftsTableOf } from './fts-tables.js';
import { DocumentFilter } from './document-filter.js';
import { ExactVectorIndexes, type AddedVector } from './exact-indexes.js';
import { HnswIndexes } from './hnsw-indexes.js';

/**
 * HNSW with a filter: when at most this share of the chunks pass, the exact scan over just those chunks is
 * cheaper than the graph (which would have to return ~limit / share candidates to find `limit` that pass) and
 * exact as well. Measured at 100k chunks of 384 dimensions: ~4 ms for the exact search when 5% pass, ~9 ms
 * for all 100k rows, where oversampling the graph made a hybrid query with 5% passing take ~115 ms (p50).
 */
const HNSW_EXACT_SHARE = 0.25;
/** the graph is asked for this many times the candidates the filter's pass rate predicts are needed, then 4× more */
const HNSW_OVERSAMPLE = 2;
const HNSW_MIN_CANDIDATES = 64;
/** past this many candidates the exact filtered scan is used after all */
const HNSW_MAX_CANDIDATES = 4096;
/** distinct filter shapes keep their prepared statements up to this many */
const STATEMENT_CACHE = 256;

/** Runs synchronous better-sqlite3 work behind the engine's async interface: a throw becomes a rejection. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

interface KbState {
  kind: 'exact' | 'hnsw';
  version: number;
}

/**
 * Knowledge bases on the embedded store. BM25 through one FTS5 table per knowledge base; exact vector search
 * over an in-memory matrix of the knowledge base's vectors (exact-indexes.ts: SIMD scan, ~10 ms at 100k
 * chunks, where sqlite-vec's vec_distance_cosine over the kb_chunks rows took ~400 ms, most of it reading the
 * rows); an HNSW graph per knowledge base (usearch) when its config asks for `hnsw`. Metadata filters are
 * evaluated per document (document-filter.ts) before the vector search. Writes are synchronous better-sqlite3
 * transactions, so nothing interleaves with a document's replacement.
 */
export class SqliteKbEngine implements KbEngine {
  readonly dialect = 'sqlite' as const;
  private readonly db: BetterSqlite3.Database;
  private readonly hnsw: HnswIndexes;
  private readonly exact: ExactVectorIndexes;
  private readonly documentFilter: DocumentFilter;
  private readonly ftsReady = new Set<string>();
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(store: Store) {
    if (store.dialect !== 'sqlite' || store.sqlite === undefined) {
      throw new StrataError('internal', 'SqliteKbEngine needs the embedded SQLite store.');
    }
    this.db = store.sqlite;
    this.hnsw = new HnswIndexes(this.db, this.db.memory ? undefined : join(dirname(this.db.name), 'kb-hnsw'));
    this.exact = new ExactVectorIndexes(this.db, (kbId) => this.hnsw.versionOf(kbId));
    this.documentFilter = new DocumentFilter((sql) => this.stmt(sql));
  }

  private stmt(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      if (this.statements.size >= STATEMENT_CACHE) this.statements.clear();
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  insertKnowledgeBase(row: KnowledgeBaseRow): Promise<void> {
    return settle(() => {
      try {
        this.db.transaction(() => {
          this.stmt('insert into knowledge_bases (id, tenant, name, config, created_at, updated_at) values (?, ?, ?, ?, ?, ?)').run(row.id, row.tenant, row.name, row.config, row.created_at, row.updated_at);
          ensureFtsTable(this.db, row.id);
        })();
        this.ftsReady.add(row.id);
      } catch (e) {
        // the unique (tenant, name) index decides, so two concurrent creates cannot both succeed
        if (/unique/i.test((e as Error).message)) {
          throw new StrataError('invalid_request', `Knowledge base '${row.name}' already exists in tenant ${row.tenant}.`, { status: 409, cause: e });
        }
        throw e;
      }
    });
  }

  listKnowledgeBases(tenant: string): Promise<KnowledgeBaseRow[]> {
    return settle(() => this.stmt('select * from knowledge_bases where tenant = ? order by name').all(tenant) as KnowledgeBaseRow[]);
  }

  getKnowledgeBase(tenant: string, name: string): Promise<KnowledgeBaseRow | undefined> {
    return settle(() => this.stmt('select * from knowledge_bases where tenant = ? and name = ?').get(tenant, name) as KnowledgeBaseRow | undefined);
  }

  getKnowledgeBaseById(tenant: string, id: string): Promise<KnowledgeBaseRow | undefined> {
    return settle(() => this.stmt('select * from knowledge_bases where tenant = ? and id = ?').get(tenant, id) as KnowledgeBaseRow | undefined);
  }

  deleteKnowledgeBase(kbId: string): Promise<void> {
    return settle(() => {
      this.db.transaction(() => {
        this.stmt('delete from kb_chunks where kb_id = ?').run(kbId);
        this.stmt('delete from kb_documents where kb_id = ?').run(kbId);
        this.stmt('delete from knowledge_bases where id = ?').run(kbId);
        dropFtsTable(this.db, kbId);
      })();
      this.ftsReady.delete(kbId);
      this.statements.clear(); // statements on the dropped FTS table are invalid now
      this.hnsw.drop(kbId);
      this.exact.drop(kbId);
      this.documentFilter.forget(kbId);
    });
  }

  updateConfig(kbId: string, config: KnowledgeBaseConfig): Promise<void> {
    return settle(() => {
      const { before, after } = this.db.transaction(() => {
        this.stmt('update knowledge_bases set config = ? where id = ?').run(JSON.stringify(config), kbId);
        return this.bump(kbId);
      })();
      if (config.index.vector === 'hnsw') this.hnsw.applyWrite(kbId, before.version, after, [], []);
      this.exact.applyWrite(kbId, before.version, after, [], []);
    });
  }

  counts(kbId: string): Promise<{ documents: number; chunks: number }> {
    return settle(() => {
      const r = this.stmt('select count(*) as documents, coalesce(sum(chunk_count), 0) as chunks from kb_documents where kb_id = ?').get(kbId) as { documents: number; chunks: number };
      return { documents: Number(r.documents), chunks: Number(r.chunks) };
    });
  }

  documents(kbId: string): Promise<StoredDocumentInfo[]> {
    return settle(() => {
      const rows = this.stmt('select doc_id, rel_path, content_hash, chunk_count from kb_documents where kb_id = ? order by rel_path, doc_id').all(kbId) as {
        doc_id: string;
        rel_path: string;
        content_hash: string;
        chunk_count: number;
      }[];
      return rows.map((r) => ({ docId: r.doc_id, relPath: r.rel_path, contentHash: r.content_hash, chunkCount: r.chunk_count }));
    });
  }

  replaceDocument(kbId: string, doc: StoredDocument, chunks: StoredChunk[]): Promise<void> {
    return settle(() => {
      const fts = this.fts(kbId);
      const added: AddedVector[] = [];
      const { before, after, removed } = this.db.transaction(() => {
        const removed = this.deleteChunks(kbId, doc.docId, fts);
        const insChunk = this.stmt(
          'insert into kb_chunks (kb_id, doc_id, ordinal, text, lexical_text, token_count, start_offset, end_offset, heading_path, page, parent_text, metadata, embedding) ' +
            'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        );
        const insFts = this.stmt(`insert into ${fts}(rowid, lexical_text) values (?, ?)`);
        let tokens = 0;
        for (const c of chunks) {
          const id = Number(
            insChunk.run(kbId, doc.docId, c.ordinal, c.text, c.lexicalText, c.tokenCount, c.start, c.end, JSON.stringify(c.headingPath), c.page, c.parentText, doc.metadata, vectorToBlob(c.embedding)).lastInsertRowid,
          );
          insFts.run(id, c.lexicalText);
          added.push({ id, docId: doc.docId, embedding: c.embedding });
          tokens += c.tokenCount;
        }
        this.stmt(
          'insert into kb_documents (kb_id, doc_id, rel_path, content_hash, metadata, chunk_count, token_count, ingested_at) values (?, ?, ?, ?, ?, ?, ?, ?) ' +
            'on conflict (kb_id, doc_id) do update set rel_path = excluded.rel_path, content_hash = excluded.content_hash, metadata = excluded.metadata, ' +
            'chunk_count = excluded.chunk_count, token_count = excluded.token_count, ingested_at = excluded.ingested_at',
        ).run(kbId, doc.docId, doc.relPath, doc.contentHash, doc.metadata, chunks.length, tokens, Date.now());
        return { ...this.bump(kbId), removed };
      })();
      if (before.kind === 'hnsw') this.hnsw.applyWrite(kbId, before.version, after, removed, added);
      this.exact.applyWrite(kbId, before.version, after, removed, added);
    });
  }

  removeDocument(kbId: string, docId: string): Promise<boolean> {
    return settle(() => {
      const fts = this.fts(kbId);
      const out = this.db.transaction(() => {
        const removed = this.deleteChunks(kbId, docId, fts);
        const gone = this.stmt('delete from kb_documents where kb_id = ? and doc_id = ?').run(kbId, docId).changes > 0;
        return { gone, removed, ...this.bump(kbId) };
      })();
      if (out.before.kind === 'hnsw') this.hnsw.applyWrite(kbId, out.before.version, out.after, out.removed, []);
      this.exact.applyWrite(kbId, out.before.version, out.after, out.removed, []);
      return out.gone;
    });
  }

  vectorSearch(kb: KnowledgeBase, query: Float32Array, filter: RetrievalFilter | undefined, limit: number): Promise<ChunkHit[]> {
    return settle(() => {
      if (!query.some((x) => x !== 0)) return []; // a query with no features is similar to nothing
      if (kb.config.index?.vector === 'hnsw') return this.hnswSearch(kb.id, query, filter, limit);
      return this.exactSearch(kb.id, query, filter, limit);
    });
  }

  lexicalSearch(kb: KnowledgeBase, queryTerms: string[], filter: RetrievalFilter | undefined, limit: number): Promise<ChunkHit[]> {
    return settle(() => {
      const match = ftsMatchOf(queryTerms);
      if (match === undefined) return [];
      const t = this.fts(kb.id);
      let rows: { id: number; rank: number }[];
      if (filter === undefined) {
        rows = this.stmt(`select rowid as id, bm25(${t}) as rank from ${t} where ${t} match ? order by rank, rowid limit ?`).all(match, limit) as typeof rows;
      } else {
        // the matches in rank order, kept when their chunk passes: reading each match's chunk row for its
        // metadata (at the far end of a row of several kilobytes) cost more than the ranking itself
        const passing = this.passing(kb.id, filter);
        if (passing.docs.size === 0) return [];
        const ids = this.documentFilter.passingChunkIds(kb.id, passing);
        rows = [];
        for (const [id, rank] of this.stmt(`select rowid, bm25(${t}) as rank from ${t} where ${t} match ? order by rank, rowid`).raw().iterate(match) as IterableIterator<[number, number]>) {
          if (!ids.has(id)) continue;
          rows.push({ id, rank });
          if (rows.length >= limit) break;
        }
      }
      // bm25() is lower-is-better; negated, every mode's score is higher-is-better
      return rows.map((r) => ({ id: r.id, score: -r.rank }));
    });
  }

  /*
   * `+kb_id` in the lookups by id below keeps SQLite on the primary key: given `kb_id = ?` it chose the
   * (kb_id, doc_id, ordinal) index and walked every entry of the knowledge base (~10 ms per search at 100k).
   */
  chunksById(kbId: string, ids: number[]): Promise<StoredChunkRow[]> {
    return settle(() => {
      const out: StoredChunkRow[] = [];
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        const rows = this.stmt(
          `select id, doc_id, ordinal, text, page, parent_text, metadata, start_offset, end_offset from kb_chunks where +kb_id = ? and id in (${part.map(() => '?').join(', ')})`,
        ).all(kbId, ...part) as { id: number; doc_id: string; ordinal: number; text: string; page: number | null; parent_text: string | null; metadata: string; start_offset: number; end_offset: number }[];
        for (const r of rows) {
          out.push({ id: r.id, docId: r.doc_id, ordinal: r.ordinal, text: r.text, page: r.page, parentText: r.parent_text, metadata: r.metadata, start: r.start_offset, end: r.end_offset });
        }
      }
      return out;
    });
  }

  chunkTexts(kbId: string, afterId: number, limit: number): Promise<{ id: number; text: string }[]> {
    return settle(() => this.stmt('select id, text from kb_chunks where +kb_id = ? and id > ? order by id limit ?').all(kbId, afterId, limit) as { id: number; text: string }[]);
  }

  updateEmbeddings(kbId: string, rows: { id: number; embedding: Float32Array }[]): Promise<void> {
    return settle(() => {
      const { before, after } = this.db.transaction(() => {
        const upd = this.stmt('update kb_chunks set embedding = ? where kb_id = ? and id = ?');
        for (const r of rows) upd.run(vectorToBlob(r.embedding), kbId, r.id);
        return this.bump(kbId);
      })();
      if (before.kind === 'hnsw') this.hnsw.applyWrite(kbId, before.version, after, [], rows);
      this.exact.applyUpdate(kbId, before.version, after, rows);
    });
  }

  /** Saves HNSW graphs changed by this process (ingestion calls it when it is done). */
  flush(): Promise<void> {
    return settle(() => {
      this.hnsw.flush();
    });
  }

  close(): Promise<void> {
    return settle(() => {
      this.hnsw.flush();
    });
  }

  /** The knowledge base's FTS table, created (and filled from its chunks) on first use. */
  private fts(kbId: string): string {
    if (!this.ftsReady.has(kbId)) {
      this.db.transaction(() => ensureFtsTable(this.db, kbId))();
      this.ftsReady.add(kbId);
    }
    return ftsTableOf(kbId);
  }

  /** Deletes a document's chunks and their FTS entries; returns the removed chunk ids. Inside a transaction. */
  private deleteChunks(kbId: string, docId: string, fts: string): number[] {
    const old = this.stmt('select id, lexical_text from kb_chunks where kb_id = ? and doc_id = ?').raw().all(kbId, docId) as [number, string][];
    if (old.length === 0) return [];
    const delFts = this.stmt(`insert into ${fts}(${fts}, rowid, lexical_text) values ('delete', ?, ?)`);
    for (const [id, lexical] of old) delFts.run(id, lexical);
    this.stmt('delete from kb_chunks where kb_id = ? and doc_id = ?').run(kbId, docId);
    return old.map(([id]) => id);
  }

  /**
   * Moves the knowledge base's write version (updated_at) to a value no earlier write had, so an HNSW graph
   * stamped with the old version is known to be stale. Inside a transaction.
   */
  private bump(kbId: string): { before: KbState; after: number } {
    const row = this.stmt('select config, updated_at from knowledge_bases where id = ?').get(kbId) as { config: string; updated_at: number } | undefined;
    if (row === undefined) throw new StrataError('not_found', 'The knowledge base was deleted while it was being written.');
    const version = Number(row.updated_at);
    const after = Math.max(version + 1, Date.now());
    this.stmt('update knowledge_bases set updated_at = ? where id = ?').run(after, kbId);
    const config = JSON.parse(row.config) as Partial<KnowledgeBaseConfig>;
    return { before: { kind: config.index?.vector === 'hnsw' ? 'hnsw' : 'exact', version }, after };
  }

  /** Exact cosine search over the knowledge base's in-memory vector matrix; a filter first narrows it to the passing documents. */
  private exactSearch(kbId: string, query: Float32Array, filter: RetrievalFilter | undefined, limit: number): ChunkHit[] {
    const matrix = this.exact.matrix(kbId, query.length);
    if (filter === undefined) return matrix.search(query, limit);
    const passing = this.passing(kbId, filter);
    if (passing.docs.size === 0) return [];
    return matrix.search(query, limit, matrix.documentMask(passing.docs));
  }

  private passing(kbId: string, filter: RetrievalFilter): ReturnType<DocumentFilter['passing']> {
    return this.documentFilter.passing(kbId, this.hnsw.versionOf(kbId) ?? 0, filter);
  }

  /**
   * HNSW, with a filter. The passing documents are found first (per document, in SQL), which tells how selective
   * the filter is: a selective one goes to the exact scan over the passing chunks; otherwise the graph is asked
   * for enough candidates that `limit` of them should pass, widened 4× at a time, and past HNSW_MAX_CANDIDATES
   * the exact filtered scan decides after all — so a filter still returns `limit` hits when that many pass.
   */
  private hnswSearch(kbId: string, query: Float32Array, filter: RetrievalFilter | undefined, limit: number): ChunkHit[] {
    if (filter === undefined) return this.hnsw.search(kbId, query, limit);
    const passing = this.passing(kbId, filter);
    if (passing.docs.size === 0) return [];
    const size = this.hnsw.size(kbId, query.length);
    if (passing.chunks <= size * HNSW_EXACT_SHARE) return this.exactSearch(kbId, query, filter, limit);
    const first = Math.max(HNSW_MIN_CANDIDATES, Math.ceil((HNSW_OVERSAMPLE * limit * size) / Math.max(1, passing.chunks)));
    for (let want = first; want <= HNSW_MAX_CANDIDATES; want *= 4) {
      const candidates = this.hnsw.search(kbId, query, want);
      const passed = new Set<number>();
      for (let i = 0; i < candidates.length; i += 500) {
        const part = candidates.slice(i, i + 500).map((c) => c.id);
        // doc_id sits at the front of a chunk row: this reads no text, unlike the metadata at its end
        const rows = this.stmt(`select id, doc_id from kb_chunks where +kb_id = ? and id in (${part.map(() => '?').join(', ')})`).raw().all(kbId, ...part) as [number, string][];
        for (const [id, docId] of rows) if (passing.docs.has(docId)) passed.add(id);
      }
      const hits = candidates.filter((c) => passed.has(c.id));
      // enough, or the graph has nothing more to give
      if (hits.length >= limit || want >= size) return hits.slice(0, limit);
    }
    return this.exactSearch(kbId, query, filter, limit);
  }
}
