import { StrataError, countTokens, type EmbeddingModel, type EmbeddingRequest, type EmbeddingResult } from '../../core/index.js';
import { isStopWord, stemWord, wordTokens } from './text.js';

/**
 * Local embeddings from hashed lexical features (the signed hashing trick), not a neural model. They capture
 * shared words, word pairs and sub-word spellings, so similar wording scores high and unrelated text low; they
 * know nothing of synonyms or meaning.
 *
 * Feature families, each L2-normalised on its own and then mixed so that its share of the cosine of two texts is:
 *   - word unigrams (stop words removed, light stemming): 0.55, the topic signal;
 *   - character 3- and 4-grams of each word with boundary markers (`<wo`, `ord>`): 0.30, tolerant of
 *     inflection, compounds and typos;
 *   - adjacent word bigrams (after stop-word removal): 0.15, rewards matching phrases over bags of words.
 * Term frequency is sublinear (1 + ln tf) so repeated words do not dominate.
 */

const FAMILY_SHARE = { unigram: 0.55, chargram: 0.3, bigram: 0.15 } as const;
const W_UNIGRAM = Math.sqrt(FAMILY_SHARE.unigram);
const W_CHARGRAM = Math.sqrt(FAMILY_SHARE.chargram);
const W_BIGRAM = Math.sqrt(FAMILY_SHARE.bigram);

const SEED_UNIGRAM = 0x811c9dc5;
const SEED_BIGRAM = 0x2f6b9a1d;
const SEED_CHARGRAM = 0x5bd1e995;
const FNV_PRIME = 0x01000193;
/** Longer "words" are URLs, hashes or base64: their character n-grams are noise. */
const MAX_CHARGRAM_WORD = 32;

export const MIN_DIMENSIONS = 8;
export const MAX_DIMENSIONS = 8192;

/** FNV-1a over the UTF-16 code units of s, continuing from state h. */
function fnv1a(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** murmur3's finaliser: FNV's low bits are weak, and both the bucket and the sign come from this value. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of the n code units of `<word>` starting at `start` (positions 0 and len+1 are the boundary markers). */
function charGramHash(word: string, start: number, n: number): number {
  let h = SEED_CHARGRAM ^ n;
  const last = word.length + 1;
  for (let p = start; p < start + n; p++) {
    const c = p === 0 ? 60 : p === last ? 62 : word.charCodeAt(p - 1);
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h;
}

/** 1 + ln c for the small whole counts that almost every bucket holds: the same doubles Math.log gives, looked up. */
const SUBLINEAR_TABLE = Float64Array.from({ length: 1024 }, (_, c) => (c > 0 ? 1 + Math.log(c) : 0));

function sublinear(c: number): number {
  if (c < 1024) return SUBLINEAR_TABLE[c]!;
  return 1 + Math.log(c);
}

/** Turns a signed count table into TF values in `out` (length dims) and returns their L2 norm. */
function familyValues(counts: Float64Array, dims: number, out: Float64Array): number {
  let sq = 0;
  for (let i = 0; i < dims; i++) {
    const v = sublinear(counts[i]!) - sublinear(counts[dims + i]!);
    out[i] = v;
    sq += v * v;
  }
  return Math.sqrt(sq);
}

/**
 * What one distinct word contributes, computed once and remembered: its unigram bucket, the seed its
 * successor's bigram hash starts from, and the buckets of its character n-grams (each index already in the
 * positive or negative half). Counts are whole numbers in a Float64Array, so adding them from the cache in
 * any order gives the same tables, and the vectors stay bit-identical to hashing every occurrence afresh.
 */
interface WordFeatures {
  /** a stop word contributes nothing (and is not looked up twice to find that out) */
  stop: boolean;
  term: string;
  unigram: number;
  bigramSeed: number;
  chargrams: Int32Array;
  /** occurrences in the text being embedded, valid while `seen` equals the embedder's current text number */
  count: number;
  seen: number;
}

/**
 * Bucket index of a hashed feature in a family's count table. The table has two halves (positive and
 * negative sign) so that sublinear TF can be applied per bucket before signs are combined.
 */
function bucketOf(dims: number, hash: number): number {
  const h = fmix32(hash);
  return ((h & 0x7fffffff) % dims) + (h >>> 31) * dims;
}

/** Distinct words remembered per embedder (per dimension count): Zipf makes a few thousand cover most text. */
const MAX_CACHED_WORDS = 50_000;

class HashEmbedder {
  private readonly uni: Float64Array;
  private readonly bi: Float64Array;
  private readonly chars: Float64Array;
  private readonly vu: Float64Array;
  private readonly vb: Float64Array;
  private readonly vc: Float64Array;
  private readonly distinct: WordFeatures[] = [];
  private readonly words = new Map<string, WordFeatures>();
  private textNumber = 0;

  constructor(private readonly dims: number) {
    this.uni = new Float64Array(dims * 2);
    this.bi = new Float64Array(dims * 2);
    this.chars = new Float64Array(dims * 2);
    this.vu = new Float64Array(dims);
    this.vb = new Float64Array(dims);
    this.vc = new Float64Array(dims);
  }

  private featuresOf(w: string): WordFeatures {
    let f = this.words.get(w);
    if (f !== undefined) return f;
    const { dims } = this;
    if (isStopWord(w)) {
      f = { stop: true, term: w, unigram: 0, bigramSeed: 0, chargrams: new Int32Array(0), count: 0, seen: 0 };
      this.remember(w, f);
      return f;
    }
    const term = stemWord(w);
    const len = Math.min(w.length, MAX_CHARGRAM_WORD) + 2;
    const word = w.length > MAX_CHARGRAM_WORD ? w.slice(0, MAX_CHARGRAM_WORD) : w;
    const chargrams = new Int32Array(Math.max(0, len - 2) + Math.max(0, len - 3));
    let k = 0;
    for (let n = 3; n <= 4; n++) {
      for (let s = 0; s + n <= len; s++) chargrams[k++] = bucketOf(dims, charGramHash(word, s, n));
    }
    f = { stop: false, term, unigram: bucketOf(dims, fnv1a(term, SEED_UNIGRAM)), bigramSeed: Math.imul(fnv1a(term, SEED_BIGRAM) ^ 32, FNV_PRIME), chargrams, count: 0, seen: 0 };
    this.remember(w, f);
    return f;
  }

  private remember(w: string, f: WordFeatures): void {
    if (this.words.size >= MAX_CACHED_WORDS) this.words.clear();
    this.words.set(w, f);
  }

  embed(text: string): Float32Array {
    const { dims, uni, bi, chars, distinct } = this;
    uni.fill(0);
    bi.fill(0);
    chars.fill(0);
    distinct.length = 0;
    const seen = ++this.textNumber;
    let prev: WordFeatures | undefined;
    for (const w of wordTokens(text)) {
      const f = this.featuresOf(w);
      if (f.stop) continue;
      if (f.seen !== seen) {
        f.seen = seen;
        f.count = 0;
        distinct.push(f);
      }
      f.count++;
      uni[f.unigram]! += 1;
      if (prev !== undefined) bi[bucketOf(dims, fnv1a(f.term, prev.bigramSeed))]! += 1;
      prev = f;
    }
    // Character n-grams are added once per distinct word, weighted by its count.
    for (const f of distinct) {
      const grams = f.chargrams;
      const count = f.count;
      for (let i = 0; i < grams.length; i++) chars[grams[i]!]! += count;
    }
    const nu = familyValues(uni, dims, this.vu);
    const nb = familyValues(bi, dims, this.vb);
    const nc = familyValues(chars, dims, this.vc);
    const fu = nu > 0 ? W_UNIGRAM / nu : 0;
    const fb = nb > 0 ? W_BIGRAM / nb : 0;
    const fc = nc > 0 ? W_CHARGRAM / nc : 0;
    const out = new Float32Array(dims);
    let sq = 0;
    for (let i = 0; i < dims; i++) {
      const v = fu * this.vu[i]! + fb * this.vb[i]! + fc * this.vc[i]!;
      out[i] = v;
      sq += v * v;
    }
    // Text with no words (empty, punctuation only) stays the zero vector: it is similar to nothing.
    if (sq > 0) {
      const inv = 1 / Math.sqrt(sq);
      for (let i = 0; i < dims; i++) out[i]! *= inv;
    }
    return out;
  }
}

function validateDimensions(d: unknown): number {
  if (typeof d !== 'number' || !Number.isInteger(d) || d < MIN_DIMENSIONS || d > MAX_DIMENSIONS) {
    throw new StrataError(
      'invalid_request',
      `Embedding dimensions must be an integer from ${MIN_DIMENSIONS} to ${MAX_DIMENSIONS}.`,
      { details: { dimensions: typeof d === 'number' ? d : String(d) } },
    );
  }
  return d;
}

export interface HashEmbeddingOptions {
  /** vector length, 8..8192 (default 384) */
  dimensions?: number;
}

/** Deterministic local embeddings from hashed lexical features (provider 'local', model 'hash-embed'). */
export function createHashEmbeddingModel(opts: HashEmbeddingOptions = {}): EmbeddingModel {
  const dimensions = validateDimensions(opts.dimensions ?? 384);
  const embedders = new Map<number, HashEmbedder>([[dimensions, new HashEmbedder(dimensions)]]);
  const embedderFor = (d: number): HashEmbedder => {
    let e = embedders.get(d);
    if (!e) {
      e = new HashEmbedder(d);
      embedders.set(d, e);
    }
    return e;
  };
  return {
    provider: 'local',
    modelId: 'hash-embed',
    dimensions,
    embed(req: EmbeddingRequest): Promise<EmbeddingResult> {
      try {
        if (!Array.isArray(req.texts)) throw new StrataError('invalid_request', 'texts must be an array of strings.');
        if (req.signal?.aborted) {
          throw new StrataError('upstream_timeout', 'The request was aborted before the embeddings were computed.', {
            retryable: true,
            fallbackAllowed: true,
          });
        }
        const embedder = embedderFor(req.dimensions === undefined ? dimensions : validateDimensions(req.dimensions));
        const vectors: Float32Array[] = new Array<Float32Array>(req.texts.length);
        let inputTokens = 0;
        for (let i = 0; i < req.texts.length; i++) {
          const text = req.texts[i];
          if (typeof text !== 'string') throw new StrataError('invalid_request', `texts[${i}] must be a string.`);
          vectors[i] = embedder.embed(text);
          // usually a lookup: the chunker counted this very text a moment ago (countTokens memoises long texts)
          inputTokens += countTokens(text);
        }
        return Promise.resolve({ vectors, usage: { inputTokens }, modelId: 'hash-embed' });
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
  };
}

/** Cosine similarity of two vectors of equal length (0 when either is the zero vector). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new StrataError('invalid_request', `Cannot compare vectors of different lengths (${a.length} and ${b.length}).`);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
