import type BetterSqlite3 from 'better-sqlite3';
import { compileFilterSql, type RetrievalFilter } from '../../retrieve/index.js';

/*
 * A metadata filter evaluated once per document rather than once per chunk: every chunk of a document carries
 * the document's metadata (the engine writes the same JSON to kb_documents and to each of its kb_chunks rows),
 * so the documents that pass are the chunks that pass. kb_documents rows are narrow, so this reads a fraction
 * of what filtering kb_chunks reads (a chunk row holds its text, analysed text and embedding). The same SQL
 * compiler as the lexical search's filter decides, so both retrievers of a hybrid query agree on what passes.
 *
 * Results are remembered per knowledge-base write version (a write moves the version, so a remembered set is
 * never stale): applications tend to repeat a handful of filters (a tenant's team, a product, a year).
 */

/** Documents that pass a filter, and how many chunks they hold between them. */
export interface PassingDocuments {
  docs: ReadonlySet<string>;
  chunks: number;
  /** the ids of those chunks, read on first need (the lexical search's filter) */
  chunkIds?: ReadonlySet<number>;
}

/** remembered filter results across all knowledge bases */
const MAX_REMEMBERED = 64;
/** chunk ids held by remembered results, all together (~40 bytes each in a Set): older results go first */
const MAX_REMEMBERED_CHUNK_IDS = 1_000_000;

export class DocumentFilter {
  private readonly remembered = new Map<string, PassingDocuments>();
  private rememberedChunkIds = 0;

  /** stmt: the engine's prepared-statement cache */
  constructor(private readonly stmt: (sql: string) => BetterSqlite3.Statement) {}

  /** The documents of a knowledge base (at write version `version`) whose metadata passes the filter. */
  passing(kbId: string, version: number, filter: RetrievalFilter): PassingDocuments {
    const where = compileFilterSql(filter, 'sqlite', 'd.metadata');
    const key = `${kbId}\u0000${version}\u0000${where.sql}\u0000${JSON.stringify(where.params)}`;
    const known = this.remembered.get(key);
    if (known !== undefined) {
      // refresh its place: the map's order is least recently used first
      this.remembered.delete(key);
      this.remembered.set(key, known);
      return known;
    }
    const rows = this.stmt(`select doc_id, chunk_count from kb_documents d where d.kb_id = ? and ${where.sql}`).raw().all(kbId, ...where.params) as [string, number][];
    const docs = new Set<string>();
    let chunks = 0;
    for (const [docId, count] of rows) {
      docs.add(docId);
      chunks += Number(count);
    }
    const out: PassingDocuments = { docs, chunks };
    if (this.remembered.size >= MAX_REMEMBERED) this.evictOldest();
    this.remembered.set(key, out);
    return out;
  }

  /** The chunk ids of the passing documents (from the kb_chunks (kb_id, doc_id) index: no chunk row is read). */
  passingChunkIds(kbId: string, passing: PassingDocuments): ReadonlySet<number> {
    if (passing.chunkIds !== undefined) return passing.chunkIds;
    const ids = new Set<number>();
    const stmt = this.stmt('select id from kb_chunks where kb_id = ? and doc_id = ?').pluck();
    for (const docId of passing.docs) for (const id of stmt.all(kbId, docId) as number[]) ids.add(id);
    passing.chunkIds = ids;
    this.rememberedChunkIds += ids.size;
    // never evicts the result just computed: it is the most recently used
    while (this.rememberedChunkIds > MAX_REMEMBERED_CHUNK_IDS && this.remembered.size > 1) this.evictOldest();
    return ids;
  }

  private evictOldest(): void {
    const [key, oldest] = this.remembered.entries().next().value!;
    this.remembered.delete(key);
    this.rememberedChunkIds -= oldest.chunkIds?.size ?? 0;
  }

  /** Forgets what was remembered for a knowledge base (it is gone). */
  forget(kbId: string): void {
    for (const [key, entry] of this.remembered) {
      if (!key.startsWith(`${kbId}\u0000`)) continue;
      this.remembered.delete(key);
      this.rememberedChunkIds -= entry.chunkIds?.size ?? 0;
    }
  }
}
