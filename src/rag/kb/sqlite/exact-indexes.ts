import type BetterSqlite3 from 'better-sqlite3';
import { VectorMatrix } from './vector-matrix.js';

/*
 * The in-memory vector matrices (see vector-matrix.ts), one per knowledge base, kept like the HNSW graphs:
 * derived from the kb_chunks rows, which stay the truth; loaded on first use; kept in step with this process's
 * own committed writes; stamped with the knowledge base's write version (knowledge_bases.updated_at, bumped by
 * every chunk write), so a write by another process is noticed on the next query and the matrix reloaded.
 * Not saved to disk: loading reads each chunk row once (~1 s per 100k chunks of ~300 tokens here).
 *
 * Memory: 4 bytes per dimension per chunk (384 dimensions: ~1.5 KB a chunk, ~154 MB per 100k chunks).
 */

interface Entry {
  matrix: VectorMatrix;
  version: number;
}

/** A chunk write as the engine reports it after its commit. */
export interface AddedVector {
  id: number;
  docId: string;
  embedding: Float32Array;
}

export class ExactVectorIndexes {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly versionOf: (kbId: string) => number | undefined,
  ) {}

  /** The knowledge base's current matrix of `dims`-dimensional vectors, loaded from the rows when stale. */
  matrix(kbId: string, dims: number): VectorMatrix {
    const version = this.versionOf(kbId) ?? 0;
    const known = this.entries.get(kbId);
    if (known !== undefined && known.version === version && known.matrix.dims === dims) return known.matrix;
    const matrix = this.load(kbId, dims);
    this.entries.set(kbId, { matrix, version });
    return matrix;
  }

  /** Whether a matrix for the knowledge base is in memory (current or not). */
  loaded(kbId: string): boolean {
    return this.entries.has(kbId);
  }

  /**
   * Applies a committed write. `before`/`after` are the knowledge base's versions around it: a matrix current
   * before the write follows it; any other is dropped and reloaded on next use. A matrix not yet loaded stays
   * unloaded (the first query loads it with the write included).
   */
  applyWrite(kbId: string, before: number, after: number, removed: readonly number[], added: readonly AddedVector[]): void {
    const entry = this.entries.get(kbId);
    if (entry === undefined) return;
    if (entry.version !== before || added.some((a) => a.embedding.length !== entry.matrix.dims)) {
      this.entries.delete(kbId);
      return;
    }
    for (const id of removed) entry.matrix.remove(id);
    for (const a of added) entry.matrix.set(a.id, a.docId, a.embedding);
    entry.version = after;
  }

  /** Applies re-embedded vectors of existing chunks (their documents unchanged); drops the matrix when it cannot follow. */
  applyUpdate(kbId: string, before: number, after: number, rows: readonly { id: number; embedding: Float32Array }[]): void {
    const entry = this.entries.get(kbId);
    if (entry === undefined) return;
    const m = entry.matrix;
    // a chunk it does not hold (a zero or other-dimension vector before) has a document it does not know
    if (entry.version !== before || rows.some((r) => r.embedding.length !== m.dims || !m.has(r.id))) {
      this.entries.delete(kbId);
      return;
    }
    for (const r of rows) m.update(r.id, r.embedding);
    entry.version = after;
  }

  /** Forgets a knowledge base's matrix (deleted, or its vectors replaced wholesale). */
  drop(kbId: string): void {
    this.entries.delete(kbId);
  }

  private load(kbId: string, dims: number): VectorMatrix {
    const count = this.db.prepare('select chunk_count from kb_documents where kb_id = ?').pluck().all(kbId) as number[];
    const matrix = new VectorMatrix(dims, count.reduce((s, c) => s + Number(c), 0));
    const rows = this.db
      .prepare('select id, doc_id, embedding from kb_chunks where kb_id = ? and length(embedding) = ?')
      .raw()
      .iterate(kbId, dims * 4) as IterableIterator<[number, string, Uint8Array]>;
    for (const [id, docId, blob] of rows) {
      // a BLOB's bytes are not always 4-byte aligned in their buffer: copy when they are not
      const v = (blob.byteOffset & 3) === 0 ? new Float32Array(blob.buffer, blob.byteOffset, dims) : new Float32Array(Uint8Array.from(blob).buffer);
      matrix.set(id, docId, v);
    }
    return matrix;
  }
}
