import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/core/index.js';
import { VectorMatrix } from '../../../src/rag/kb/sqlite/vector-matrix.js';

/*
 * The in-memory matrix behind exact search, against brute force: every scan path (JavaScript for few rows,
 * usearch over all rows, over all rows with a broad document mask, over the gathered rows of a narrower one)
 * returns the exact cosine order with ties broken by chunk id.
 */

const DIMS = 8;
const rand = seededRandom(11);
const randomVector = (): Float32Array => Float32Array.from({ length: DIMS }, () => rand() - 0.5);

function build(rows: number, perDoc: number): { m: VectorMatrix; vectors: Map<number, { v: Float32Array; doc: number }> } {
  const m = new VectorMatrix(DIMS, 16);
  const vectors = new Map<number, { v: Float32Array; doc: number }>();
  for (let i = 0; i < rows; i++) {
    const id = 1000 + i * 3; // ids are not row numbers
    const v = randomVector();
    const doc = Math.floor(i / perDoc);
    m.set(id, `doc-${doc}`, v);
    vectors.set(id, { v, doc });
  }
  return { m, vectors };
}

function brute(vectors: Map<number, { v: Float32Array; doc: number }>, q: Float32Array, k: number, pass: (doc: number) => boolean = () => true): number[] {
  const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const out: { id: number; score: number }[] = [];
  for (const [id, { v, doc }] of vectors) {
    if (!pass(doc) || norm(v) === 0) continue;
    let s = 0;
    for (let i = 0; i < DIMS; i++) s += q[i]! * v[i]!;
    out.push({ id, score: s / (norm(q) * norm(v)) });
  }
  out.sort((a, b) => b.score - a.score || a.id - b.id);
  return out.slice(0, k).map((x) => x.id);
}

const docsWhere = (count: number, pass: (d: number) => boolean): string[] => Array.from({ length: count }, (_, d) => d).filter(pass).map((d) => `doc-${d}`);

describe('VectorMatrix (exact cosine search in memory)', () => {
  const { m, vectors } = build(10_000, 10);

  it('matches brute force without a mask, for small and large k', () => {
    for (let q = 0; q < 10; q++) {
      const query = randomVector();
      for (const k of [1, 10, 100]) expect(m.search(query, k).map((h) => h.id)).toEqual(brute(vectors, query, k));
    }
  });

  it('matches brute force under masks that pass 3%, 25% and 60% of the rows', () => {
    const cases: [string, (d: number) => boolean][] = [
      ['3%', (d) => d % 33 === 0],
      ['25%', (d) => d % 4 === 0],
      ['60%', (d) => d % 5 < 3],
    ];
    for (const [name, pass] of cases) {
      const mask = m.documentMask(docsWhere(1000, pass));
      for (let q = 0; q < 5; q++) {
        const query = randomVector();
        expect(m.search(query, 20, mask).map((h) => h.id), name).toEqual(brute(vectors, query, 20, pass));
      }
    }
    expect(m.search(randomVector(), 5, m.documentMask(['no-such-doc']))).toEqual([]);
  });

  it('breaks ties by id when many rows hold the same vector', () => {
    const t = build(5000, 10);
    const dup = randomVector();
    for (let i = 0; i < 80; i++) {
      const id = 900_000 - i * 7; // inserted in descending id order
      t.m.set(id, 'dup', dup);
      t.vectors.set(id, { v: dup, doc: -1 });
    }
    const top = t.m.search(dup, 50).map((h) => h.id);
    expect(top).toEqual(brute(t.vectors, dup, 50));
    expect(top).toEqual([...top].sort((a, b) => a - b));
  });

  it('follows removals, replacements and zero vectors', () => {
    const t = build(3000, 10);
    const q = randomVector();
    const [first] = t.m.search(q, 1);
    t.m.remove(first!.id);
    t.vectors.delete(first!.id);
    expect(t.m.search(q, 10).map((h) => h.id)).toEqual(brute(t.vectors, q, 10));
    const some = [...t.vectors.keys()][17]!;
    t.m.set(some, 'doc-1', q);
    t.vectors.set(some, { v: q, doc: 1 });
    expect(t.m.search(q, 1)[0]!.id).toBe(some);
    t.m.set(some, 'doc-1', new Float32Array(DIMS));
    t.vectors.delete(some);
    expect(t.m.has(some)).toBe(false);
    expect(t.m.search(q, 10).map((h) => h.id)).toEqual(brute(t.vectors, q, 10));
    expect(t.m.size).toBe(t.vectors.size);
  });
});
