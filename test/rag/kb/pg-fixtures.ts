import { randomUUID } from 'node:crypto';
import { seededRandom } from '../../../src/core/seeded-random.js';
import { validateChunkingConfig } from '../../../src/rag/chunking/index.js';
import { lexicalText } from '../../../src/rag/kb/fts-query.js';
import type { KbEngine, KnowledgeBaseRow, StoredChunk, StoredDocument } from '../../../src/rag/kb/engine.js';
import type { KnowledgeBase, KnowledgeBaseConfig, VectorIndexKind } from '../../../src/rag/kb/types.js';
import type { Metadata, RetrievalFilter } from '../../../src/rag/retrieve/index.js';

/** Shared builders for the PostgreSQL knowledge-base engine tests (real PostgreSQL and PGlite). */

export function kbConfig(vector: VectorIndexKind = 'exact'): KnowledgeBaseConfig {
  return { embeddingModel: 'hash-embed', chunking: validateChunkingConfig({ strategy: 'fixed' }), index: { vector }, hybrid: { vector: 1, lexical: 1 } };
}

/** Creates a knowledge base row and returns the KnowledgeBase the search methods take. */
export async function createKb(
  engine: KbEngine,
  tenant: string,
  opts: { name?: string; vector?: VectorIndexKind } = {},
): Promise<KnowledgeBase> {
  const now = Date.now();
  const config = kbConfig(opts.vector);
  const name = opts.name ?? `kb-${randomUUID().slice(0, 8)}`;
  const row: KnowledgeBaseRow = { id: randomUUID(), tenant, name, config: JSON.stringify(config), created_at: now, updated_at: now };
  await engine.insertKnowledgeBase(row);
  return { id: row.id, tenant, name, config, createdAt: now, updatedAt: now, documents: 0, chunks: 0 };
}

/** Unit-length copy. */
export function unit(v: number[] | Float32Array): Float32Array {
  const out = Float32Array.from(v);
  const n = Math.hypot(...out);
  return n === 0 ? out : out.map((x) => x / n);
}

/** Seeded random unit vectors. */
export function randomVectors(seed: number, count: number, dims: number): Float32Array[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: count }, () => unit(Array.from({ length: dims }, () => rnd() * 2 - 1)));
}

/** A document; metadata as given (it is what filters see). */
export function doc(docId: string, metadata: Metadata = {}, contentHash = 'h1'): StoredDocument {
  return { docId, relPath: `${docId}.txt`, contentHash, metadata: JSON.stringify(metadata) };
}

/** Chunks of one document from texts (analysed with the project's analyser, as ingestion does) and vectors. */
export function chunks(texts: string[], vectors: Float32Array[]): StoredChunk[] {
  return texts.map((text, i) => ({
    ordinal: i,
    text,
    lexicalText: lexicalText(text),
    tokenCount: text.split(/\s+/).length,
    start: 0,
    end: text.length,
    headingPath: [],
    page: null,
    parentText: null,
    embedding: vectors[i]!,
  }));
}

/** Chunks whose analysed text is given verbatim (for hand-computed BM25). */
export function rawChunks(lexical: string[], dims = 4): StoredChunk[] {
  return lexical.map((l, i) => ({
    ordinal: i,
    text: l,
    lexicalText: l,
    tokenCount: l.split(' ').length,
    start: 0,
    end: l.length,
    headingPath: [],
    page: null,
    parentText: null,
    embedding: unit(Array.from({ length: dims }, (_, j) => (j === i % dims ? 1 : 0.1))),
  }));
}

/** Exact cosine ranking in JS: the reference the engine's vector search is held to. */
export function exactRanking(query: Float32Array, items: { id: number; embedding: Float32Array }[], k: number): { id: number; score: number }[] {
  return items
    .map((it) => ({ id: it.id, score: it.embedding.reduce((s, x, i) => s + x * query[i]!, 0) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, k);
}

/** Documents with varied metadata (one has no `year`, lists and booleans included) for the filter tests. */
export const FILTER_DOCS: { docId: string; metadata: Metadata }[] = [
  { docId: 'd00', metadata: { genre: 'scifi', year: 1968, tags: ['space', 'ai'], flag: true, title: 'The Odyssey' } },
  { docId: 'd01', metadata: { genre: 'scifi', year: 2014, tags: ['space'], flag: false, title: 'Interstellar' } },
  { docId: 'd02', metadata: { genre: 'drama', year: 1994, tags: ['prison'], flag: true, title: 'The Redemption' } },
  { docId: 'd03', metadata: { genre: 'comedy', year: 2000, tags: [], flag: false, title: 'Best in Show' } },
  { docId: 'd04', metadata: { genre: 'drama', year: 2000, tags: ['war', 'space'], flag: false, title: 'Star Dust' } },
  { docId: 'd05', metadata: { genre: 'Scifi', year: 1982, tags: ['ai'], flag: true, title: 'Blade Runner' } },
  { docId: 'd06', metadata: { genre: 'horror', tags: ['space'], flag: true, title: 'Alien' } },
  { docId: 'd07', metadata: { genre: 'scifi', year: 1999, tags: ['ai', 'simulation'], title: 'The Matrix' } },
  { docId: 'd08', metadata: { genre: 'documentary', year: 2021, tags: ['nature'], flag: false, title: '2000 Leagues' } },
  { docId: 'd09', metadata: { genre: '1999', year: 1999, tags: ['odd'], flag: true, title: 'Numbers' } },
];

/** One case per operator, and nested andAll / orAll. */
export const FILTER_CASES: RetrievalFilter[] = [
  { equals: { key: 'genre', value: 'scifi' } },
  { equals: { key: 'flag', value: true } },
  { equals: { key: 'year', value: 1999 } },
  { notEquals: { key: 'genre', value: 'scifi' } },
  { notEquals: { key: 'year', value: 2000 } },
  { greaterThan: { key: 'year', value: 2000 } },
  { greaterThanOrEquals: { key: 'year', value: 2000 } },
  { lessThan: { key: 'year', value: 1990 } },
  { lessThanOrEquals: { key: 'year', value: 1999 } },
  { in: { key: 'genre', value: ['drama', 'comedy', 1999] } },
  { notIn: { key: 'genre', value: ['drama', 'comedy'] } },
  { startsWith: { key: 'title', value: 'The ' } },
  { listContains: { key: 'tags', value: 'space' } },
  { stringContains: { key: 'title', value: 'ar' } },
  { stringContains: { key: 'tags', value: 'imul' } },
  { andAll: [{ equals: { key: 'genre', value: 'scifi' } }, { greaterThan: { key: 'year', value: 1990 } }] },
  {
    orAll: [
      { equals: { key: 'genre', value: 'drama' } },
      { andAll: [{ listContains: { key: 'tags', value: 'ai' } }, { lessThan: { key: 'year', value: 1990 } }] },
    ],
  },
  {
    andAll: [
      { orAll: [{ equals: { key: 'flag', value: true } }, { startsWith: { key: 'title', value: '2000' } }] },
      { notIn: { key: 'genre', value: ['horror'] } },
      { orAll: [{ greaterThanOrEquals: { key: 'year', value: 1990 } }, { listContains: { key: 'tags', value: 'space' } }] },
    ],
  },
];

/**
 * One knowledge base per vector index kind, each holding FILTER_DOCS (one chunk each, seeded vectors), and
 * which document each chunk id belongs to — what the filter tests of both engines search.
 */
export async function seedFilterKnowledgeBases(engine: KbEngine): Promise<{ hnsw: KnowledgeBase; exact: KnowledgeBase; docOfChunk: Map<number, string> }> {
  const hnsw = await createKb(engine, 'acme', { vector: 'hnsw' });
  const exact = await createKb(engine, 'acme', { vector: 'exact' });
  const docOfChunk = new Map<number, string>();
  const vs = randomVectors(5, FILTER_DOCS.length, 8);
  for (const kb of [hnsw, exact]) {
    for (const [i, d] of FILTER_DOCS.entries()) {
      await engine.replaceDocument(kb.id, doc(d.docId, d.metadata), chunks([`Common film notes about ${d.docId}`], [vs[i]!]));
    }
    for (const c of await engine.chunksById(kb.id, (await engine.chunkTexts(kb.id, 0, 100)).map((c) => c.id))) docOfChunk.set(c.id, c.docId);
  }
  return { hnsw, exact, docOfChunk };
}
