import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/core/index.js';
import type { KnowledgeBase, KnowledgeBaseStore, StoredChunk } from '../../../src/rag/kb/index.js';
import { normalize } from '../../../src/rag/kb/vectors.js';
import { parseRetrievalFilter, type RetrievalFilter } from '../../../src/rag/retrieve/index.js';
import type { Store } from '../../../src/store/index.js';
import { openKbStore } from './harness.js';

/*
 * The exact vector index on SQLite (an in-memory matrix per knowledge base) against brute force computed here:
 * the same ids in the same order — cosine, ties by chunk id — on the small-scan path and the SIMD path (over
 * 2,048 rows), with filters, after writes by this store and by another one on the same home.
 */

const DIMS = 16;
const DOCS = 300;
const CHUNKS_PER_DOC = 10;

let dir: string;
let home: string;
let store: Store;
let kbs: KnowledgeBaseStore;
let kb: KnowledgeBase;
const rand = seededRandom(5);
/** every stored chunk: id → vector and its document's team */
const truth = new Map<number, { v: Float32Array; team: string; doc: string }>();

function randomVector(): Float32Array {
  return normalize(Float32Array.from({ length: DIMS }, () => rand() - 0.5));
}

function chunk(ordinal: number, embedding: Float32Array): StoredChunk {
  return { ordinal, text: `chunk ${ordinal}`, lexicalText: `chunk ${ordinal}`, tokenCount: 2, start: 0, end: 1, headingPath: [], page: null, parentText: null, embedding };
}

/** A document's team: red for 1 in 25 documents (4%), green for 1 in 3, blue otherwise. */
function teamOf(d: number): string {
  return d % 25 === 0 ? 'red' : d % 3 === 0 ? 'green' : 'blue';
}

async function writeDoc(target: KnowledgeBaseStore, kbId: string, docId: string, team: string, vectors: Float32Array[]): Promise<void> {
  await target.engine.replaceDocument(kbId, { docId, relPath: `${docId}.txt`, contentHash: String(rand()), metadata: JSON.stringify({ team }) }, vectors.map((v, i) => chunk(i, v)));
}

/** Rereads ids from the rows (writes assign them) and records each chunk's vector. */
function record(docId: string, team: string, vectors: Float32Array[]): void {
  for (const [id, t] of truth) if (t.doc === docId) truth.delete(id);
  const rows = store.sqlite!.prepare('select id, ordinal from kb_chunks where kb_id = ? and doc_id = ? order by ordinal').all(kb.id, docId) as { id: number; ordinal: number }[];
  for (const r of rows) truth.set(r.id, { v: vectors[r.ordinal]!, team, doc: docId });
}

function bruteForce(query: Float32Array, k: number, pass: (team: string) => boolean = () => true): number[] {
  const scored: { id: number; score: number }[] = [];
  for (const [id, t] of truth) {
    if (!pass(t.team) || t.v.every((x) => x === 0)) continue;
    let s = 0;
    for (let i = 0; i < DIMS; i++) s += query[i]! * t.v[i]!;
    scored.push({ id, score: s });
  }
  scored.sort((a, b) => b.score - a.score || a.id - b.id);
  return scored.slice(0, k).map((x) => x.id);
}

async function vectorIds(target: KnowledgeBase, query: Float32Array, k: number, filter?: RetrievalFilter, on = kbs): Promise<number[]> {
  return (await on.engine.vectorSearch(target, query, filter, k)).map((h) => h.id);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-exact-'));
  home = join(dir, 'home');
  ({ store, kbs } = await openKbStore(home));
  kb = await kbs.create('acme', 'exact');
  for (let d = 0; d < DOCS; d++) {
    const vectors = Array.from({ length: CHUNKS_PER_DOC }, randomVector);
    await writeDoc(kbs, kb.id, `doc-${d}`, teamOf(d), vectors);
    record(`doc-${d}`, teamOf(d), vectors);
  }
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('exact vector search on SQLite (in-memory matrix)', () => {
  it('returns what brute force returns, in the same order, over 3,000 chunks', async () => {
    for (let q = 0; q < 20; q++) {
      const query = randomVector();
      for (const k of [1, 10, 100]) expect(await vectorIds(kb, query, k), `query ${q}, k ${k}`).toEqual(bruteForce(query, k));
    }
  });

  it('applies a filter inside the search: a 4% filter still returns k hits, all passing, in exact order', async () => {
    const red = parseRetrievalFilter({ equals: { key: 'team', value: 'red' } });
    const notRed = parseRetrievalFilter({ notEquals: { key: 'team', value: 'red' } });
    const none = parseRetrievalFilter({ equals: { key: 'team', value: 'purple' } });
    for (let q = 0; q < 10; q++) {
      const query = randomVector();
      expect(await vectorIds(kb, query, 10, red)).toEqual(bruteForce(query, 10, (t) => t === 'red'));
      // most chunks pass: the SIMD path over the gathered rows
      expect(await vectorIds(kb, query, 10, notRed)).toEqual(bruteForce(query, 10, (t) => t !== 'red'));
      expect(await vectorIds(kb, query, 10, none)).toEqual([]);
    }
    expect(await vectorIds(kb, randomVector(), 500, red)).toHaveLength(12 * CHUNKS_PER_DOC);
  });

  it('breaks ties by chunk id, however many chunks tie (duplicated text)', async () => {
    const dup = randomVector();
    await writeDoc(kbs, kb.id, 'dup-b', 'blue', Array.from({ length: 30 }, () => dup));
    record('dup-b', 'blue', Array.from({ length: 30 }, () => dup));
    await writeDoc(kbs, kb.id, 'dup-a', 'blue', Array.from({ length: 30 }, () => dup));
    record('dup-a', 'blue', Array.from({ length: 30 }, () => dup));
    const top = await vectorIds(kb, dup, 40);
    expect(top).toEqual(bruteForce(dup, 40));
    expect(top.slice(0, 30)).toEqual([...top.slice(0, 30)].sort((a, b) => a - b));
  });

  it('follows its own writes: replaced vectors are found, removed ones are gone, zero vectors never match', async () => {
    const query = randomVector();
    await writeDoc(kbs, kb.id, 'doc-7', 'blue', [query, new Float32Array(DIMS)]);
    record('doc-7', 'blue', [query, new Float32Array(DIMS)]);
    const [first] = await vectorIds(kb, query, 1);
    expect(truth.get(first!)?.doc).toBe('doc-7');
    expect(await vectorIds(kb, query, 10_000)).toHaveLength(truth.size - 1); // the zero vector is left out

    await kbs.engine.removeDocument(kb.id, 'doc-7');
    for (const [id, t] of truth) if (t.doc === 'doc-7') truth.delete(id);
    expect(await vectorIds(kb, query, 10)).toEqual(bruteForce(query, 10));
  });

  it('notices a write made by another process on the same home', async () => {
    const query = randomVector();
    await vectorIds(kb, query, 5); // loaded and current here
    const other = await openKbStore(home);
    try {
      await writeDoc(other.kbs, kb.id, 'from-elsewhere', 'red', [query]);
    } finally {
      await other.store.close();
    }
    record('from-elsewhere', 'red', [query]);
    const [first] = await vectorIds(kb, query, 1);
    expect(truth.get(first!)?.doc).toBe('from-elsewhere');
    expect(await vectorIds(kb, query, 10)).toEqual(bruteForce(query, 10));
  });

  it('skips chunks of another dimension (mid re-embed) instead of failing', async () => {
    await writeDoc(kbs, kb.id, 'wide', 'blue', [normalize(Float32Array.from({ length: DIMS * 2 }, () => 1))]);
    const query = randomVector();
    expect(await vectorIds(kb, query, 10)).toEqual(bruteForce(query, 10));
    const wide = normalize(Float32Array.from({ length: DIMS * 2 }, () => 1));
    expect(await vectorIds(kb, wide, 5)).toHaveLength(1);
  });
});

describe('HNSW with a filter', () => {
  let graph: KnowledgeBase;
  beforeAll(async () => {
    graph = await kbs.create('acme', 'graph', { index: { vector: 'hnsw' } });
    for (let d = 0; d < DOCS; d++) {
      await writeDoc(kbs, graph.id, `doc-${d}`, teamOf(d), Array.from({ length: CHUNKS_PER_DOC }, randomVector));
    }
  });

  it('answers a selective filter exactly (the scan over the passing chunks) and a broad one from the graph, k hits each', async () => {
    const teamOfChunk = new Map(
      (store.sqlite!.prepare("select c.id as id, json_extract(c.metadata, '$.team') as team from kb_chunks c where kb_id = ?").all(graph.id) as { id: number; team: string }[]).map((r) => [r.id, r.team]),
    );
    const red = parseRetrievalFilter({ equals: { key: 'team', value: 'red' } });
    const blue = parseRetrievalFilter({ equals: { key: 'team', value: 'blue' } });
    for (let q = 0; q < 10; q++) {
      const query = randomVector();
      const reds = await vectorIds(graph, query, 10, red);
      expect(reds).toHaveLength(10);
      expect(reds.every((id) => teamOfChunk.get(id) === 'red')).toBe(true);
      const blues = await vectorIds(graph, query, 10, blue);
      expect(blues).toHaveLength(10);
      expect(blues.every((id) => teamOfChunk.get(id) === 'blue')).toBe(true);
    }
    // the exact path: the 120 red chunks, all of them, best first
    const query = randomVector();
    const all = await kbs.engine.vectorSearch(graph, query, red, 200);
    expect(all).toHaveLength(120);
    expect(all.map((h) => h.score)).toEqual([...all.map((h) => h.score)].sort((a, b) => b - a));
  });
});
