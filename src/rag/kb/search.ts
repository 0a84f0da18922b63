import { StrataError } from '../../core/index.js';
import { analyzeTerms } from '../../providers/local/index.js';
import type { DocumentMetadata } from '../loaders/index.js';
import { reciprocalRankFusion, type RetrievalFilter } from '../retrieve/index.js';
import type { ChunkHit } from './engine.js';
import { resolveHybridWeights, type KnowledgeBaseStore } from './kb-store.js';
import type { EmbeddingGateway, KnowledgeBase, RetrievalResult, SearchMode, SearchOptions } from './types.js';
import { normalize } from './vectors.js';

export const SEARCH_MODES: readonly SearchMode[] = ['vector', 'lexical', 'hybrid'];
const RRF_K = 60;
/** Candidates each retriever gives hybrid fusion, per result wanted: a document ranked low by one retriever can still win. */
const HYBRID_POOL_FACTOR = 4;
const MIN_HYBRID_POOL = 20;

/** Checks k (1–100, Bedrock's numberOfResults range) and the mode. */
export function validateSearchOptions(opts: SearchOptions): { mode: SearchMode; k: number } {
  const mode = opts.mode ?? 'hybrid';
  if (!SEARCH_MODES.includes(mode)) throw new StrataError('invalid_request', `Unknown search mode '${String(mode)}'; use vector, lexical or hybrid.`);
  const k = opts.k ?? 5;
  if (!Number.isInteger(k) || k < 1 || k > 100) throw new StrataError('invalid_request', `k (numberOfResults) must be a whole number from 1 to 100, got ${k}.`);
  return { mode, k };
}

/** The analysed query terms BM25 matches (the same analyser that built the index). */
export function queryTermsOf(query: string): string[] {
  return analyzeTerms(query.normalize('NFKC'));
}

async function vectorHits(kbs: KnowledgeBaseStore, gateway: EmbeddingGateway, kb: KnowledgeBase, query: string, filter: RetrievalFilter | undefined, limit: number): Promise<ChunkHit[]> {
  const res = await gateway.embed({ model: kb.config.embeddingModel, input: [query], inputType: 'query', caller: { tenant: kb.tenant }, tags: { feature: 'retrieve' } });
  return kbs.engine.vectorSearch(kb, normalize(res.vectors[0]!), filter, limit);
}

/**
 * Searches a knowledge base; results in Bedrock Retrieve's `retrievalResults[]` shape, best first. Filters are
 * applied inside each retriever, so a selective filter still yields `k` hits when that many chunks pass it.
 */
export async function search(kbs: KnowledgeBaseStore, gateway: EmbeddingGateway, kb: KnowledgeBase, query: string, opts: SearchOptions = {}): Promise<RetrievalResult[]> {
  const { mode, k } = validateSearchOptions(opts);
  if (query.trim() === '') throw new StrataError('invalid_request', 'The search query is empty.');
  let hits: ChunkHit[];
  if (mode === 'vector') hits = await vectorHits(kbs, gateway, kb, query, opts.filter, k);
  else if (mode === 'lexical') hits = await kbs.engine.lexicalSearch(kb, queryTermsOf(query), opts.filter, k);
  else {
    const pool = Math.max(k * HYBRID_POOL_FACTOR, MIN_HYBRID_POOL);
    const weights = resolveHybridWeights(opts.hybridWeights, kb.config.hybrid);
    // a side weighted 0 contributes nothing, so it is not searched at all
    const [vec, lex] = await Promise.all([
      weights.vector > 0 ? vectorHits(kbs, gateway, kb, query, opts.filter, pool) : [],
      weights.lexical > 0 ? kbs.engine.lexicalSearch(kb, queryTermsOf(query), opts.filter, pool) : [],
    ]);
    const toList = (h: ChunkHit[], weight: number) => ({ results: h.map((x) => ({ id: String(x.id), score: x.score })), weight });
    hits = reciprocalRankFusion([toList(vec, weights.vector), toList(lex, weights.lexical)], { k: RRF_K, limit: k }).map((f) => ({ id: Number(f.id), score: f.score }));
  }
  return hydrate(kbs, kb, hits);
}

/** Reads the winning chunks (only those: the searches touched ids and scores alone). */
async function hydrate(kbs: KnowledgeBaseStore, kb: KnowledgeBase, hits: ChunkHit[]): Promise<RetrievalResult[]> {
  if (hits.length === 0) return [];
  const rows = await kbs.engine.chunksById(kb.id, hits.map((h) => h.id));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: RetrievalResult[] = [];
  for (const h of hits) {
    const r = byId.get(h.id);
    if (r === undefined) continue; // removed between the search and this read
    const metadata: RetrievalResult['metadata'] = { ...(JSON.parse(r.metadata) as DocumentMetadata), 'x-strata-chunk': r.ordinal };
    if (r.page !== null) metadata['x-strata-page'] = r.page;
    out.push({
      // hierarchical chunking searches the small children and answers with their parent's fuller context
      content: { text: r.parentText ?? r.text, type: 'TEXT' },
      location: { type: 'CUSTOM', customDocumentLocation: { id: r.docId } },
      metadata,
      score: h.score,
    });
  }
  return out;
}
