import { MetricKind, exactSearch } from 'usearch';
import type { ChunkHit } from '../engine.js';
import { topK } from '../vectors.js';

/*
 * One knowledge base's embeddings of one dimension count, in memory, as rows of one Float32Array: the exact
 * (brute-force) vector index. Scanning it beats asking SQLite for the embeddings, which sit behind each chunk's
 * text in kb_chunks rows of several kilobytes (reading them was ~90% of an exact query at 100k chunks).
 *
 * A scan is usearch's exactSearch (SIMD cosine over the rows, one thread), which only ranks: the candidates it
 * returns are scored again here in double precision, and the result is the exact cosine order with ties broken
 * by chunk id, whatever order the rows are in. When a tie (or a near tie, within float32 error) could reach past
 * what usearch returned, the rows are scored in JavaScript instead, so results never depend on its tie order.
 *
 * Each row also carries its document (as an index into `docNames`), so a metadata filter, evaluated once per
 * document in SQL, becomes a mask over documents. Zero vectors are not stored: they are similar to nothing.
 */

/** Below this many rows (after a filter) scoring in JavaScript costs less than gathering rows for usearch. */
const SMALL_SCAN = 2048;
/** extra candidates asked of usearch beyond `limit`, so that float32 near-ties are re-ranked here */
const MIN_MARGIN = 16;
/** a filter passing at least this share of the rows is applied to a scan of all rows rather than to a copy of its rows */
const BROAD_SHARE = 0.3;
/** float32 cosine error allowance (384–1024 dimensions of unit vectors): closer scores count as tied */
const TIE_EPSILON = 1e-5;

export class VectorMatrix {
  private data: Float32Array;
  private ids: Float64Array;
  private docs: Int32Array;
  private invNorms: Float64Array;
  private rows = 0;
  private readonly rowOf = new Map<number, number>();
  private readonly docIndex = new Map<string, number>();
  private readonly docNames: string[] = [];

  constructor(
    readonly dims: number,
    capacity = 1024,
  ) {
    const cap = Math.max(16, capacity);
    this.data = new Float32Array(cap * dims);
    this.ids = new Float64Array(cap);
    this.docs = new Int32Array(cap);
    this.invNorms = new Float64Array(cap);
  }

  /** Rows stored (chunks with a non-zero vector of this dimension count). */
  get size(): number {
    return this.rows;
  }

  /** Whether a chunk is stored here. */
  has(id: number): boolean {
    return this.rowOf.has(id);
  }

  /** Adds or replaces a chunk's vector; a zero vector removes the chunk instead (it matches nothing). */
  set(id: number, docId: string, vector: Float32Array): void {
    let sq = 0;
    for (let i = 0; i < this.dims; i++) sq += vector[i]! * vector[i]!;
    if (!(sq > 0)) {
      this.remove(id);
      return;
    }
    let row = this.rowOf.get(id);
    if (row === undefined) {
      if (this.rows === this.ids.length) this.grow();
      row = this.rows++;
      this.rowOf.set(id, row);
    }
    this.data.set(vector.subarray(0, this.dims), row * this.dims);
    this.ids[row] = id;
    this.docs[row] = this.docIndexOf(docId);
    this.invNorms[row] = 1 / Math.sqrt(sq);
  }

  /** Replaces a stored chunk's vector, keeping its document; false when the chunk is not stored. */
  update(id: number, vector: Float32Array): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    this.set(id, this.docNames[this.docs[row]!]!, vector);
    return true;
  }

  /** Removes a chunk (the last row moves into its place). */
  remove(id: number): void {
    const row = this.rowOf.get(id);
    if (row === undefined) return;
    this.rowOf.delete(id);
    const last = --this.rows;
    if (row !== last) {
      const d = this.dims;
      this.data.copyWithin(row * d, last * d, last * d + d);
      this.ids[row] = this.ids[last]!;
      this.docs[row] = this.docs[last]!;
      this.invNorms[row] = this.invNorms[last]!;
      this.rowOf.set(this.ids[row], row);
    }
  }

  /** A mask over this matrix's documents: 1 for each of `docIds` it knows. */
  documentMask(docIds: Iterable<string>): Uint8Array {
    const mask = new Uint8Array(this.docNames.length);
    for (const docId of docIds) {
      const i = this.docIndex.get(docId);
      if (i !== undefined) mask[i] = 1;
    }
    return mask;
  }

  /** The best `limit` chunks by cosine similarity to `query`, among the rows whose document the mask allows (all without one). */
  search(query: Float32Array, limit: number, docMask?: Uint8Array): ChunkHit[] {
    if (limit <= 0 || this.rows === 0) return [];
    let qsq = 0;
    for (let i = 0; i < this.dims; i++) qsq += query[i]! * query[i]!;
    if (!(qsq > 0)) return [];
    const qInv = 1 / Math.sqrt(qsq);
    if (docMask === undefined) {
      if (this.rows <= SMALL_SCAN) return this.scoreAll(query, qInv, limit, undefined);
      return this.scan(query, qInv, limit, this.data.subarray(0, this.rows * this.dims), undefined, undefined) ?? this.scoreAll(query, qInv, limit, undefined);
    }
    let allowed = 0;
    for (let row = 0; row < this.rows; row++) allowed += docMask[this.docs[row]!]!;
    if (allowed === 0) return [];
    // a broad filter: scan every row, over-asking by the pass rate, and keep those that pass (no copy of the rows)
    const share = allowed / this.rows;
    if (allowed > SMALL_SCAN && share >= BROAD_SHARE) {
      const hits = this.scan(query, qInv, limit, this.data.subarray(0, this.rows * this.dims), undefined, docMask, share);
      if (hits !== undefined) return hits;
    }
    const rowList = this.rowsAllowed(docMask);
    if (rowList.length <= SMALL_SCAN) return this.scoreAll(query, qInv, limit, rowList);
    return this.scan(query, qInv, limit, this.gather(rowList), rowList, undefined) ?? this.scoreAll(query, qInv, limit, rowList);
  }

  /**
   * usearch's exact scan of `dataset` (all rows, or the rows of rowList gathered), candidates re-scored here and
   * kept when the mask passes them; undefined when a row left out might tie or beat the last hit (or when too
   * few passed), so the caller scores every row instead.
   */
  private scan(query: Float32Array, qInv: number, limit: number, dataset: Float32Array, rowList: Int32Array | undefined, docMask: Uint8Array | undefined, share = 1): ChunkHit[] | undefined {
    const n = dataset.length / this.dims;
    const want = Math.min(n, Math.ceil((limit + Math.max(MIN_MARGIN, limit)) / share));
    const found = exactSearch(dataset, query.subarray(0, this.dims), this.dims, want, MetricKind.Cos, 1);
    const hits: ChunkHit[] = [];
    let floor = Infinity; // lowest float32 similarity usearch returned: what every row it left out is at most
    for (let i = 0; i < found.keys.length; i++) {
      const at = Number(found.keys[i]!);
      const row = rowList === undefined ? at : rowList[at]!;
      floor = Math.min(floor, 1 - found.distances[i]!);
      if (docMask !== undefined && docMask[this.docs[row]!] !== 1) continue;
      hits.push({ id: this.ids[row]!, score: this.cosine(query, qInv, row) });
    }
    const best = topK(hits, limit);
    if (want >= n) return best;
    if (best.length < limit || best[best.length - 1]!.score - floor <= TIE_EPSILON) return undefined;
    return best;
  }

  private cosine(query: Float32Array, qInv: number, row: number): number {
    const d = this.dims;
    const data = this.data;
    const o = row * d;
    let s = 0;
    for (let i = 0; i < d; i++) s += query[i]! * data[o + i]!;
    return s * qInv * this.invNorms[row]!;
  }

  private scoreAll(query: Float32Array, qInv: number, limit: number, rowList: Int32Array | undefined): ChunkHit[] {
    const n = rowList?.length ?? this.rows;
    const scored = (function* (m: VectorMatrix): Generator<ChunkHit> {
      for (let k = 0; k < n; k++) {
        const row = rowList === undefined ? k : rowList[k]!;
        yield { id: m.ids[row]!, score: m.cosine(query, qInv, row) };
      }
    })(this);
    return topK(scored, limit);
  }

  private rowsAllowed(docMask: Uint8Array): Int32Array {
    const out = new Int32Array(this.rows);
    let n = 0;
    for (let row = 0; row < this.rows; row++) if (docMask[this.docs[row]!] === 1) out[n++] = row;
    return out.subarray(0, n);
  }

  private gather(rowList: Int32Array): Float32Array {
    const d = this.dims;
    const out = new Float32Array(rowList.length * d);
    for (let k = 0; k < rowList.length; k++) out.set(this.data.subarray(rowList[k]! * d, rowList[k]! * d + d), k * d);
    return out;
  }

  private docIndexOf(docId: string): number {
    let i = this.docIndex.get(docId);
    if (i === undefined) {
      i = this.docNames.length;
      this.docNames.push(docId);
      this.docIndex.set(docId, i);
    }
    return i;
  }

  private grow(): void {
    const cap = this.ids.length * 2;
    const data = new Float32Array(cap * this.dims);
    data.set(this.data);
    this.data = data;
    const ids = new Float64Array(cap);
    ids.set(this.ids);
    this.ids = ids;
    const docs = new Int32Array(cap);
    docs.set(this.docs);
    this.docs = docs;
    const invNorms = new Float64Array(cap);
    invNorms.set(this.invNorms);
    this.invNorms = invNorms;
  }
}
