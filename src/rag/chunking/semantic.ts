import { StrataError } from '../../core/index.js';
import type { SentenceEmbedder } from './types.js';

/*
 * The default sentence embedder for the semantic strategy: a hashed bag of words (lower-cased letters and
 * digits, common English function words dropped, a plural "s" stripped), so that semantic chunking runs
 * offline and deterministically. It sees shared vocabulary, not meaning: pass a real embedder through
 * `opts.embed` for paraphrase-level topic detection.
 */
const DIMENSIONS = 1024;
const WORD = /[\p{L}\p{N}]+/gu;
const STOPWORDS = new Set(
  ('a an and are as at be been but by can do does for from had has have he her his i if in into is it its ' +
    'more most much not of on or our she so some such than that the their them then there these they this ' +
    'those to too very was we were what when where which while who will with would you your also each other')
    .split(' '),
);

function wordIndex(word: string): number {
  // FNV-1a: cheap, stable across runs and platforms.
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  return (h >>> 0) % DIMENSIONS;
}

/** Hashed lexical bag-of-words vectors (see above): the default embedder of the semantic strategy. */
export const lexicalSentenceEmbedder: SentenceEmbedder = (sentences) =>
  sentences.map((sentence) => {
    const v = new Float32Array(DIMENSIONS);
    for (const m of sentence.toLowerCase().matchAll(WORD)) {
      let w = m[0];
      if (STOPWORDS.has(w)) continue;
      if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
      v[wordIndex(w)]! += 1;
    }
    return v;
  });

/** 1 - cosine similarity; 0 when either vector is all zeros (no evidence of a topic change). */
export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return 1 - dot / Math.sqrt(na * nb);
}

/** The p-th percentile (0..100) with linear interpolation between ranks (numpy's default). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** Sentences on each side of a gap whose vectors are averaged before comparing (see semanticBreakpoints). */
const WINDOW = 2;

function windowMean(vectors: readonly Float32Array[], from: number, to: number): Float32Array {
  const dim = vectors[0]!.length;
  const out = new Float32Array(dim);
  for (let s = Math.max(0, from); s < Math.min(vectors.length, to); s++) {
    const v = vectors[s]!;
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += v[i]! * v[i]!;
    if (norm === 0) continue;
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < dim; i++) out[i]! += v[i]! * scale;
  }
  return out;
}

/**
 * Indices b such that a new group starts at sentence b + 1: where the distance across the gap after
 * sentence b is above the given percentile of all gaps' distances. The distance compares the mean of the
 * (normalised) vectors of up to two sentences before the gap with that of up to two after it, as in
 * TextTiling and Kamradt's semantic chunking "buffer": single sentences share too few words (or too
 * little meaning) for one pair to tell a topic change from a change of phrasing. Strictly above, so text
 * with no variation (every distance equal) stays one group.
 */
export function semanticBreakpoints(sentences: string[], embed: SentenceEmbedder, breakpointPercentile: number): number[] {
  if (sentences.length < 2) return [];
  const vectors = embed(sentences);
  if (vectors.length !== sentences.length || vectors.some((v) => v.length !== vectors[0]!.length)) {
    throw new StrataError(
      'invalid_request',
      `The semantic chunker's embedder returned ${vectors.length} vectors for ${sentences.length} sentences; it must return one per sentence, all of one dimension.`,
    );
  }
  const distances: number[] = [];
  for (let b = 0; b + 1 < vectors.length; b++) {
    distances.push(cosineDistance(windowMean(vectors, b + 1 - WINDOW, b + 1), windowMean(vectors, b + 1, b + 1 + WINDOW)));
  }
  const threshold = percentile(distances, breakpointPercentile);
  const out: number[] = [];
  distances.forEach((d, b) => {
    if (d > threshold) out.push(b);
  });
  return out;
}
