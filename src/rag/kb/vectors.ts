/**
 * Embeddings as stored: L2-normalised Float32Array bytes, so cosine similarity is a plain dot product (and
 * 1 − cosine distance) at query time, whichever engine scores them.
 */

/** A unit-length copy (a zero vector stays zero: it matches nothing rather than dividing by zero). */
export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  if (sum === 0) return out;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

/** The vector's bytes for a BLOB column (platform byte order, little-endian on every supported machine). */
export function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Dot product of a query with a stored BLOB, read in place without copying when aligned. */
export function dotWithBlob(query: Float32Array, blob: Uint8Array): number {
  const n = Math.min(query.length, blob.byteLength >>> 2);
  if ((blob.byteOffset & 3) === 0) {
    const v = new Float32Array(blob.buffer, blob.byteOffset, n);
    let s = 0;
    for (let i = 0; i < n; i++) s += query[i]! * v[i]!;
    return s;
  }
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let s = 0;
  for (let i = 0; i < n; i++) s += query[i]! * view.getFloat32(i * 4, true);
  return s;
}

/** The best `k` of scored items, highest first; a bounded insertion keeps memory at k whatever the corpus. */
export function topK<T extends { score: number; id: number }>(items: Iterable<T>, k: number): T[] {
  const best: T[] = [];
  for (const item of items) {
    if (best.length === k && !better(item, best[k - 1]!)) continue;
    let i = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push(item);
    while (i > 0 && better(item, best[i - 1]!)) {
      best[i] = best[i - 1]!;
      i--;
    }
    best[i] = item;
  }
  return best;
}

/** Higher score first; equal scores by id so that results are deterministic. */
function better(a: { score: number; id: number }, b: { score: number; id: number }): boolean {
  return a.score > b.score || (a.score === b.score && a.id < b.id);
}
