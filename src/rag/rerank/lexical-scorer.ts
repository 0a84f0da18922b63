import { analyzeTerms } from '../../providers/local/index.js';
import { rankByScore, throwIfAborted, validateTopN } from './rank.js';
import { QueryTermMatcher } from './term-match.js';
import type { Reranker, RerankOptions, RerankResult } from './types.js';

/** The name the local reranker reports and is chosen by. */
export const LOCAL_LEXICAL_RERANKER = 'local/lexical';

const K1 = 1.2;
const B = 0.75;
/** Long queries are cut here; beyond it extra terms add cost, not ranking signal. */
const MAX_QUERY_TERMS = 64;
/**
 * IDF over a few dozen candidates is coarse, and a term every candidate shares would weigh nothing at all;
 * the floor keeps such a term counting a little towards coverage.
 */
const IDF_FLOOR = 0.25;
/** How the signals combine; each is in [0, 1], so the score is too. */
const WEIGHTS = { coverage: 0.4, bm25: 0.3, proximity: 0.15, phrase: 0.15 };
/** A one-term query has no proximity or phrase to measure. */
const SINGLE_TERM_WEIGHTS = { coverage: 0.55, bm25: 0.45 };
/** A query bigram found with one other term between its words counts for this much of an adjacent one. */
const GAPPED_BIGRAM = 0.5;

/** What one document says about the query, before the candidate set's statistics are known. */
interface DocumentEvidence {
  length: number;
  /** per query term: summed match strength (a soft term frequency) */
  tf: Float64Array;
  /** per query term: the strongest match (1 exact, less for a variant, 0 absent) */
  best: Float64Array;
  proximity: number;
  phrase: number;
}

function analyse(text: string): string[] {
  return analyzeTerms(text.normalize('NFKC'));
}

/** Adjacent pairs of distinct query terms, in query order, each once. */
function queryBigrams(terms: readonly string[], slot: ReadonlyMap<string, number>): [number, number][] {
  const seen = new Set<number>();
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < terms.length; i++) {
    const a = slot.get(terms[i]!);
    const b = slot.get(terms[i + 1]!);
    if (a === undefined || b === undefined || a === b) continue;
    const key = a * MAX_QUERY_TERMS + b;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([a, b]);
  }
  return out;
}

/**
 * How tightly the matched query terms sit together: the shortest window of positions that holds every query
 * term the document matches, scaled by how many of the query's terms that is. 1 = all query terms adjacent.
 */
function proximityOf(positions: readonly number[], terms: readonly number[], best: Float64Array): number {
  const m = best.length;
  let k = 0;
  for (let i = 0; i < m; i++) if (best[i]! > 0) k++;
  if (k < 2) return 0;
  const count = new Int32Array(m);
  let have = 0;
  let left = 0;
  let shortest = Infinity;
  for (let right = 0; right < positions.length; right++) {
    if (count[terms[right]!]!++ === 0) have++;
    while (have === k) {
      shortest = Math.min(shortest, positions[right]! - positions[left]! + 1);
      if (--count[terms[left]!]! === 0) have--;
      left++;
    }
  }
  // One document word can match two query terms, so the window may be shorter than k.
  const tightness = shortest <= k ? 1 : (k - 1) / (shortest - 1);
  return tightness * ((k - 1) / (m - 1));
}

/** Mean over query bigrams of the best in-order occurrence (adjacent, or with one word between at half credit). */
function phraseOf(vectors: readonly (Float64Array | null)[], positions: readonly number[], terms: readonly number[], bigrams: readonly [number, number][]): number {
  if (bigrams.length === 0) return 0;
  let sum = 0;
  for (const [a, b] of bigrams) {
    let best = 0;
    for (let e = 0; e < positions.length && best < 1; e++) {
      if (terms[e] !== a) continue;
      const p = positions[e]!;
      const sa = vectors[p]![a]!;
      const next = vectors[p + 1]?.[b] ?? 0;
      if (next > 0) best = Math.max(best, Math.min(sa, next));
      const gapped = vectors[p + 2]?.[b] ?? 0;
      if (gapped > 0) best = Math.max(best, GAPPED_BIGRAM * Math.min(sa, gapped));
    }
    sum += best;
  }
  return sum / bigrams.length;
}

function evidenceOf(terms: readonly string[], matcher: QueryTermMatcher, bigrams: readonly [number, number][]): DocumentEvidence {
  const m = matcher.queryTerms.length;
  const tf = new Float64Array(m);
  const best = new Float64Array(m);
  const vectors: (Float64Array | null)[] = new Array<Float64Array | null>(terms.length);
  // Match events in position order: one per (position, query term) pair.
  const positions: number[] = [];
  const matched: number[] = [];
  for (let p = 0; p < terms.length; p++) {
    const v = matcher.match(terms[p]!);
    vectors[p] = v;
    if (v === null) continue;
    for (let i = 0; i < m; i++) {
      const s = v[i]!;
      if (s === 0) continue;
      tf[i]! += s;
      if (s > best[i]!) best[i] = s;
      positions.push(p);
      matched.push(i);
    }
  }
  return {
    length: terms.length,
    tf,
    best,
    proximity: proximityOf(positions, matched, best),
    phrase: phraseOf(vectors, positions, matched, bigrams),
  };
}

/**
 * Relevance of each document to the query in [0, 1], input order. Each (query, document) pair is scored
 * jointly from four lexical signals: coverage of the query's distinct terms and BM25 term weighting (both
 * with IDF computed over the candidate set, so scores are relative to it), the tightest window holding the
 * matched terms, and in-order query bigrams. Terms come from the project's analyser; forms of one word that
 * its stemmer leaves apart match partially (see termMatchStrength).
 */
export function lexicalRelevanceScores(query: string, documents: readonly string[], signal?: AbortSignal): number[] {
  const queryTerms = analyse(query);
  const distinct = [...new Set(queryTerms)].slice(0, MAX_QUERY_TERMS);
  if (distinct.length === 0 || documents.length === 0) return documents.map(() => 0);
  const m = distinct.length;
  const slot = new Map(distinct.map((t, i) => [t, i] as const));
  const qtf = new Float64Array(m);
  for (const t of queryTerms) {
    const i = slot.get(t);
    if (i !== undefined) qtf[i]!++;
  }
  const bigrams = queryBigrams(queryTerms, slot);
  const matcher = new QueryTermMatcher(distinct);

  const evidence: DocumentEvidence[] = [];
  for (let d = 0; d < documents.length; d++) {
    if (d % 64 === 0) throwIfAborted(signal);
    evidence.push(evidenceOf(analyse(documents[d]!), matcher, bigrams));
  }

  const n = documents.length;
  const df = new Float64Array(m);
  let totalLength = 0;
  for (const e of evidence) {
    totalLength += e.length;
    for (let i = 0; i < m; i++) if (e.best[i]! > 0) df[i]!++;
  }
  const avgLength = totalLength / n || 1;
  const weight = new Float64Array(m);
  let weightSum = 0;
  for (let i = 0; i < m; i++) {
    const idf = Math.log(1 + (n - df[i]! + 0.5) / (df[i]! + 0.5)) + IDF_FLOOR;
    weight[i] = idf * (1 + Math.log(qtf[i]!));
    weightSum += weight[i]!;
  }

  return evidence.map((e) => {
    const lengthNorm = K1 * (1 - B + (B * e.length) / avgLength);
    let coverage = 0;
    let bm25 = 0;
    for (let i = 0; i < m; i++) {
      const tf = e.tf[i]!;
      if (tf === 0) continue;
      coverage += weight[i]! * e.best[i]!;
      // tf / (tf + K) is BM25's saturating term-frequency factor without its (k1 + 1) scale, so it stays below 1.
      bm25 += (weight[i]! * tf) / (tf + lengthNorm);
    }
    coverage /= weightSum;
    bm25 /= weightSum;
    const score =
      m === 1
        ? SINGLE_TERM_WEIGHTS.coverage * coverage + SINGLE_TERM_WEIGHTS.bm25 * bm25
        : WEIGHTS.coverage * coverage + WEIGHTS.bm25 * bm25 + WEIGHTS.proximity * e.proximity + WEIGHTS.phrase * e.phrase;
    return Math.min(1, Math.max(0, score));
  });
}

/**
 * The default reranker: a local lexical cross-scorer (not a neural model). Deterministic; equal scores keep
 * their input order.
 */
export class LexicalCrossScorer implements Reranker {
  readonly name = LOCAL_LEXICAL_RERANKER;

  /** Scores every document against the query and returns the best topN, best first. */
  rerank(query: string, documents: string[], opts: RerankOptions = {}): Promise<RerankResult[]> {
    try {
      validateTopN(opts.topN);
      throwIfAborted(opts.signal);
      return Promise.resolve(rankByScore(lexicalRelevanceScores(query, documents, opts.signal), opts.topN));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
