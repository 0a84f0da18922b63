import { StrataError } from '../../core/index.js';
import type { DocumentMetadata } from '../loaders/index.js';
import { compileFilterSql, reciprocalRankFusion, type RetrievalFilter } from '../retrieve/index.js';
import { sqliteOf, type KnowledgeBaseStore } from './kb-store.js';
import { ftsQuery } from './fts-query.js';
import type { EmbeddingGateway, KnowledgeBase, RetrievalResult, SearchMode, SearchOptions } from './types.js';
import { dotWithBlob, normalize, topK } from './vectors.js';

export const SEARCH_MODES: readonly SearchMode[] = ['vector', 'lexical', 'hybrid'];
const RRF_K = 60;
/** Candidates each retriever gives hybrid fusion, per result wanted: a document ranked low by one retriever can still win. */
const HYBRID_POOL_FACTOR = 4;
const MIN_HYBRID_POOL = 20;

interface Hit {
  id: number;
  score: number;
}

/** Checks k (1–100, Bedrock's numberOfResults range) and the mode. */
export function validateSearchOptions(opts: SearchOptions): { mode: SearchMode; k: number } {
  const mode = opts.mode ?? 'hybrid';
  if (!SEARCH_MODES.includes(mode)) throw new StrataError('invalid_request', `Unknown search mode '${String(mode)}'; use vector, lexical or hybrid.`);
  const k = opts.k ?? 5;
  if (!Number.isInteger(k) || k < 1 || k > 100) throw new StrataError('invalid_request', `k (numberOfResults) must be a whole number from 1 to 100, got ${k}.`);
  return { mode, k };
}

/** `AND <filter>` over the chunk's metadata column, or nothing; values are always bound parameters. */
function filterClause(filter: RetrievalFilter | undefined): { sql: string; params: unknown[] } {
  if (filter === undefined) return { sql: '', params: [] };
  const compiled = compileFilterSql(filter, 'sqlite', 'c.metadata');
  return { sql: ` and ${compiled.sql}`, params: compiled.params };
}

/**
 * Exact cosine search: every chunk of the knowledge base that passes the filter is scored, so a selective
 * filter still yields `limit` hits when that many exist (an ANN index filtered afterwards would not).
 */
async function vectorSearch(kbs: KnowledgeBaseStore, gateway: EmbeddingGateway, kb: KnowledgeBase, query: string, filter: RetrievalFilter | undefined, limit: number): Promise<Hit[]> {
  const res = await gateway.embed({ model: kb.config.embeddingModel, input: [query], inputType: 'query', caller: { tenant: kb.tenant }, tags: { feature: 'retrieve' } });
  const q = normalize(res.vectors[0]!);
  const where = filterClause(filter);
  const rows = sqliteOf(kbs.store)
    .prepare(`select c.id as id, c.embedding as embedding from kb_chunks c where c.kb_id = ?${where.sql}`)
    .iterate(kb.id, ...where.params) as IterableIterator<{ id: number; embedding: Uint8Array }>;
  function* scored(): Generator<Hit> {
    for (const r of rows) yield { id: r.id, score: dotWithBlob(q, r.embedding) };
  }
  return topK(scored(), limit);
}

/**
 * BM25 through FTS5. The filter is part of the same WHERE, so SQLite only ranks chunks that pass it.
 * Note: FTS5 statistics (document frequencies) span every knowledge base in the table, so scores depend a
 * little on other knowledge bases' text; ranking within one query is what retrieval uses.
 */
function lexicalSearch(kbs: KnowledgeBaseStore, kb: KnowledgeBase, query: string, filter: RetrievalFilter | undefined, limit: number): Hit[] {
  const match = ftsQuery(query);
  if (match === undefined) return [];
  const where = filterClause(filter);
  const rows = sqliteOf(kbs.store)
    .prepare(
      'select c.id as id, bm25(kb_chunks_fts) as rank from kb_chunks_fts join kb_chunks c on c.id = kb_chunks_fts.rowid ' +
        `where kb_chunks_fts match ? and c.kb_id = ?${where.sql} order by rank, c.id limit ?`,
    )
    .all(match, kb.id, ...where.params, limit) as { id: number; rank: number }[];
  // bm25() is lower-is-better; negated, every mode's score is higher-is-better
  return rows.map((r) => ({ id: r.id, score: -r.rank }));
}

/** Searches a knowledge base; results in Bedrock Retrieve's `retrievalResults[]` shape, best first. */
export async function search(kbs: KnowledgeBaseStore, gateway: EmbeddingGateway, kb: KnowledgeBase, query: string, opts: SearchOptions = {}): Promise<RetrievalResult[]> {
  const { mode, k } = validateSearchOptions(opts);
  if (query.trim() === '') throw new StrataError('invalid_request', 'The search query is empty.');
  let hits: Hit[];
  if (mode === 'vector') hits = await vectorSearch(kbs, gateway, kb, query, opts.filter, k);
  else if (mode === 'lexical') hits = lexicalSearch(kbs, kb, query, opts.filter, k);
  else {
    const pool = Math.max(k * HYBRID_POOL_FACTOR, MIN_HYBRID_POOL);
    const [vec, lex] = [await vectorSearch(kbs, gateway, kb, query, opts.filter, pool), lexicalSearch(kbs, kb, query, opts.filter, pool)];
    const toList = (h: Hit[]) => ({ results: h.map((x) => ({ id: String(x.id), score: x.score })) });
    hits = reciprocalRankFusion([toList(vec), toList(lex)], { k: RRF_K, limit: k }).map((f) => ({ id: Number(f.id), score: f.score }));
  }
  return hydrate(kbs, hits);
}

interface ChunkRow {
  id: number;
  doc_id: string;
  ordinal: number;
  text: string;
  page: number | null;
  parent_text: string | null;
  metadata: string;
}

/** Reads the winning chunks (only those: the scan above touched ids and vectors alone). */
function hydrate(kbs: KnowledgeBaseStore, hits: Hit[]): RetrievalResult[] {
  if (hits.length === 0) return [];
  const rows = sqliteOf(kbs.store)
    .prepare(`select id, doc_id, ordinal, text, page, parent_text, metadata from kb_chunks where id in (${hits.map(() => '?').join(', ')})`)
    .all(...hits.map((h) => h.id)) as ChunkRow[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: RetrievalResult[] = [];
  for (const h of hits) {
    const r = byId.get(h.id);
    if (r === undefined) continue;
    const metadata: RetrievalResult['metadata'] = { ...(JSON.parse(r.metadata) as DocumentMetadata), 'x-strata-chunk': r.ordinal };
    if (r.page !== null) metadata['x-strata-page'] = r.page;
    out.push({
      // hierarchical chunking searches the small children and answers with their parent's fuller context
      content: { text: r.parent_text ?? r.text, type: 'TEXT' },
      location: { type: 'CUSTOM', customDocumentLocation: { id: r.doc_id } },
      metadata,
      score: h.score,
    });
  }
  return out;
}
