import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Index, MetricKind, ScalarKind } from 'usearch';
import type { ChunkHit } from '../engine.js';

/*
 * HNSW graphs (usearch) for the knowledge bases configured with `index.vector: 'hnsw'`, one per knowledge base,
 * in memory. The rows in kb_chunks stay the truth; a graph is derived state that is
 *  - kept in step with this process's own writes (the engine reports each committed write here),
 *  - stamped with the knowledge base's write version (knowledge_bases.updated_at, which every chunk write bumps
 *    to a new value), so a write by another process (a CLI ingest beside a server) is noticed on the next query,
 *  - saved under <home>/kb-hnsw/ after ingestion (flush) and loaded from there by the next process when its stamp
 *    still matches; otherwise rebuilt from the rows. A crash between a commit and a save only costs a rebuild.
 */

/** HNSW graph degree: usearch's default, a good recall/size balance at 10^5–10^6 vectors. */
const CONNECTIVITY = 16;
const EXPANSION_ADD = 64;
const EXPANSION_SEARCH = 96;
/** candidates asked of the graph however few are wanted */
const MIN_BEAM = 64;
/** vectors per add() while rebuilding from rows: bounds the copy buffer */
const REBUILD_BATCH = 8192;

interface Graph {
  index: Index;
  dims: number;
  version: number;
  dirty: boolean;
}

interface SnapshotMeta {
  version: number;
  dims: number;
  size: number;
}

export class HnswIndexes {
  private readonly graphs = new Map<string, Graph>();
  private readonly versionStmt: BetterSqlite3.Statement<[string], { updated_at: number }>;

  /** dir: where snapshots live (undefined for an in-memory database: rebuilt per process) */
  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly dir: string | undefined,
  ) {
    this.versionStmt = db.prepare('select updated_at from knowledge_bases where id = ?');
  }

  /** The write version of a knowledge base (undefined when it is gone). */
  versionOf(kbId: string): number | undefined {
    const row = this.versionStmt.get(kbId);
    return row === undefined ? undefined : Number(row.updated_at);
  }

  /** The nearest `limit` chunks by cosine similarity (score = 1 − cosine distance), approximate. */
  search(kbId: string, query: Float32Array, limit: number): ChunkHit[] {
    const graph = this.current(kbId, query.length);
    const size = graph.index.size();
    if (size === 0) return [];
    // usearch's beam is no wider than k: a k of 1 or 5 alone misses true neighbours that a wider beam finds
    const found = graph.index.search(query, Math.min(Math.max(limit, MIN_BEAM), size), 1);
    const hits: ChunkHit[] = [];
    for (let i = 0; i < found.keys.length && hits.length < limit; i++) {
      const d = found.distances[i]!;
      if (Number.isNaN(d)) continue;
      hits.push({ id: Number(found.keys[i]!), score: 1 - d });
    }
    return hits;
  }

  /** How many vectors the current graph holds. */
  size(kbId: string, dims: number): number {
    return this.current(kbId, dims).index.size();
  }

  /**
   * Applies a committed write to the graph. `before`/`after` are the knowledge base's versions around the write:
   * the graph follows incrementally only when it was current before it; otherwise it is rebuilt on next use.
   */
  applyWrite(kbId: string, before: number, after: number, removed: number[], added: { id: number; embedding: Float32Array }[]): void {
    let graph = this.graphs.get(kbId);
    if (graph === undefined && added.length > 0) {
      // load (or build) it now, so that ingestion keeps it up to date instead of forcing a rebuild at query time
      const loaded = this.load(kbId, added[0]!.embedding.length, before);
      if (loaded !== undefined) this.graphs.set(kbId, (graph = loaded));
    }
    if (graph === undefined) return;
    if (graph.version !== before || added.some((a) => a.embedding.length !== graph.dims)) {
      this.graphs.delete(kbId);
      return;
    }
    try {
      for (const id of removed) graph.index.remove(BigInt(id));
      for (const a of added) {
        const key = BigInt(a.id);
        if (graph.index.contains(key)) graph.index.remove(key);
        graph.index.add(key, a.embedding);
      }
      graph.version = after;
      graph.dirty = true;
    } catch {
      // the rows are committed and stay the truth: a graph that could not follow is rebuilt from them on next use
      this.graphs.delete(kbId);
    }
  }

  /** Forgets a knowledge base's graph and its snapshot (the knowledge base is gone). */
  drop(kbId: string): void {
    this.graphs.delete(kbId);
    if (this.dir !== undefined) {
      rmSync(this.snapshotPath(kbId), { force: true });
      rmSync(`${this.snapshotPath(kbId)}.json`, { force: true });
    }
  }

  /** Saves every graph changed since it was loaded, so the next process loads instead of rebuilding. */
  flush(): void {
    for (const [kbId, graph] of this.graphs) {
      if (!graph.dirty) continue;
      this.save(kbId, graph);
      graph.dirty = false;
    }
  }

  private current(kbId: string, dims: number): Graph {
    const version = this.versionOf(kbId) ?? 0;
    const known = this.graphs.get(kbId);
    if (known !== undefined && known.version === version && known.dims === dims) return known;
    const graph = this.load(kbId, dims, version) ?? this.rebuild(kbId, dims, version);
    this.graphs.set(kbId, graph);
    return graph;
  }

  private newIndex(dims: number): Index {
    return new Index({
      dimensions: dims,
      metric: MetricKind.Cos,
      quantization: ScalarKind.F32,
      connectivity: CONNECTIVITY,
      expansion_add: EXPANSION_ADD,
      expansion_search: EXPANSION_SEARCH,
      multi: false,
    });
  }

  /** A saved snapshot whose stamp matches, or undefined. */
  private load(kbId: string, dims: number, version: number): Graph | undefined {
    if (this.dir === undefined) return undefined;
    const path = this.snapshotPath(kbId);
    try {
      if (!existsSync(path)) return undefined;
      const meta = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as SnapshotMeta;
      if (meta.version !== version || meta.dims !== dims) return undefined;
      const index = this.newIndex(dims);
      index.load(path);
      if (index.size() !== meta.size) return undefined;
      return { index, dims, version, dirty: false };
    } catch {
      // a torn or foreign file is only a cache miss: the rows rebuild it
      return undefined;
    }
  }

  private rebuild(kbId: string, dims: number, version: number): Graph {
    const index = this.newIndex(dims);
    const rows = this.db
      .prepare('select id, embedding from kb_chunks where kb_id = ? and length(embedding) = ? order by id')
      .raw()
      .iterate(kbId, dims * 4) as IterableIterator<[number, Uint8Array]>;
    let keys = new BigUint64Array(REBUILD_BATCH);
    let matrix = new Float32Array(REBUILD_BATCH * dims);
    let n = 0;
    const addBatch = (): void => {
      if (n === 0) return;
      index.add(keys.subarray(0, n), matrix.subarray(0, n * dims), 0);
      keys = new BigUint64Array(REBUILD_BATCH);
      matrix = new Float32Array(REBUILD_BATCH * dims);
      n = 0;
    };
    for (const [id, blob] of rows) {
      keys[n] = BigInt(id);
      matrix.set(new Float32Array(blob.buffer, blob.byteOffset, dims), n * dims);
      if (++n === REBUILD_BATCH) addBatch();
    }
    addBatch();
    const graph: Graph = { index, dims, version, dirty: false };
    if (this.dir !== undefined && index.size() > 0) this.save(kbId, graph);
    return graph;
  }

  private save(kbId: string, graph: Graph): void {
    if (this.dir === undefined) return;
    const path = this.snapshotPath(kbId);
    mkdirSync(dirname(path), { recursive: true });
    // the stamp goes first and comes back last, and files are written aside and renamed: a crash in between
    // leaves no stamp, so a reader never trusts half a save
    rmSync(`${path}.json`, { force: true });
    graph.index.save(`${path}.tmp`);
    renameSync(`${path}.tmp`, path);
    const meta: SnapshotMeta = { version: graph.version, dims: graph.dims, size: graph.index.size() };
    writeFileSync(`${path}.json.tmp`, JSON.stringify(meta));
    renameSync(`${path}.json.tmp`, `${path}.json`);
  }

  private snapshotPath(kbId: string): string {
    return join(this.dir!, `${kbId.replace(/[^A-Za-z0-9_-]/g, '_')}.usearch`);
  }
}
