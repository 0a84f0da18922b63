/** Shortest shared prefix that makes two different terms variants of one word (truncation stemming uses 5). */
const MIN_SHARED_PREFIX = 5;
/** The shared prefix must also be most of the shorter term, so that long words with a common start stay apart. */
const MIN_PREFIX_SHARE = 0.7;
/** A variant counts for less than the exact term: it may be a different word with the same start. */
const VARIANT_WEIGHT = 0.75;

function hasDigit(term: string): boolean {
  for (let i = 0; i < term.length; i++) {
    const c = term.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/**
 * How strongly a document term stands for a query term: 1 when equal, a partial weight when both look like
 * forms of one word that the analyser's light stemmer leaves apart ("configurable" / "configuring",
 * "valmoric" / "valmorite"), else 0. Terms with digits (identifiers, versions, numbers) match only exactly,
 * since "qx7341" and "qx7314" are different things. The price of matching by prefix: unrelated words with one
 * long start ("internet" / "international") also count, which is why a variant never counts fully.
 */
export function termMatchStrength(queryTerm: string, docTerm: string): number {
  if (queryTerm === docTerm) return 1;
  const shorter = Math.min(queryTerm.length, docTerm.length);
  if (shorter < MIN_SHARED_PREFIX) return 0;
  let p = 0;
  while (p < shorter && queryTerm.charCodeAt(p) === docTerm.charCodeAt(p)) p++;
  if (p < MIN_SHARED_PREFIX || p < MIN_PREFIX_SHARE * shorter) return 0;
  if (hasDigit(queryTerm) || hasDigit(docTerm)) return 0;
  return VARIANT_WEIGHT * (p / shorter);
}

/**
 * Matches document terms against a fixed list of query terms, remembering each distinct document term's
 * answer so that a word repeated across many candidates is compared once.
 */
export class QueryTermMatcher {
  private readonly cache = new Map<string, Float64Array | null>();

  constructor(readonly queryTerms: readonly string[]) {}

  /** Strength per query term for this document term, or null when it matches none. */
  match(docTerm: string): Float64Array | null {
    const hit = this.cache.get(docTerm);
    if (hit !== undefined) return hit;
    let out: Float64Array | null = null;
    for (let i = 0; i < this.queryTerms.length; i++) {
      const s = termMatchStrength(this.queryTerms[i]!, docTerm);
      if (s > 0) {
        out ??= new Float64Array(this.queryTerms.length);
        out[i] = s;
      }
    }
    this.cache.set(docTerm, out);
    return out;
  }
}
