import { analyzeTerms, splitSentences } from '../../providers/local/index.js';
import { cosine, type EmbedFunction } from '../types.js';
import { checkFacts, extractNumbers, normalizeForLookup, type FactCheck } from './facts.js';

/**
 * How well the sources support one claim. Against each source unit (a sentence, or two adjacent sentences so
 * a claim may join them), the claim's content terms are weighted by IDF over the units — a term no source
 * contains weighs most, so an invented detail costs more than a missing stop-phrase — and the covered share
 * is mixed with the embedding similarity of claim and unit:
 *
 *   support = COVERAGE_SHARE · coverage + (1 - COVERAGE_SHARE) · clamp((cos - SIM_FLOOR) / (SIM_CEIL - SIM_FLOOR))
 *
 * over the best unit. A claim with a number or named entity absent from every source is capped at
 * FACT_CAP, whatever its wording: the numbers-and-entities rule.
 */

const COVERAGE_SHARE = 0.7;
const SIM_FLOOR = 0.1;
const SIM_CEIL = 0.7;
/** Highest support a claim can have when it states a number or entity the sources do not contain. */
export const FACT_CAP = 0.2;

// Number words and units that the canonical numbers stand in for ("5 percent" and "5%" are both "#5%").
const NUMERIC_WORDS: ReadonlySet<string> = new Set(
  analyzeTerms('percent per cent thousand million billion trillion bn mn dollars euros pounds usd eur gbp'),
);

/** Content terms with numbers in canonical form, so "1,000" and "1000", "2.1 million" and "2,100,000" meet. */
function contentTerms(text: string): Set<string> {
  const out = new Set<string>();
  for (const t of analyzeTerms(text)) if (!/^\d/.test(t) && !NUMERIC_WORDS.has(t)) out.add(t);
  for (const n of extractNumbers(text, false)) out.add(`#${n}`);
  return out;
}

export interface SourceIndex {
  units: string[];
  unitTerms: Set<string>[];
  unitVectors: Float32Array[];
  idf: Map<string, number>;
  /** idf of a term found in no unit */
  maxIdf: number;
  numbers: Set<string>;
  lookup: string;
}

export interface ClaimSupport {
  score: number;
  facts: FactCheck;
}

/** Splits and embeds the sources once per answer. */
export async function indexSources(sources: readonly string[], embed: EmbedFunction): Promise<SourceIndex> {
  const units: string[] = [];
  for (const source of sources) {
    const sentences = splitSentences(source);
    units.push(...sentences);
    for (let i = 0; i + 1 < sentences.length; i++) units.push(`${sentences[i]!} ${sentences[i + 1]!}`);
  }
  const unitTerms = units.map(contentTerms);
  const df = new Map<string, number>();
  for (const terms of unitTerms) for (const t of terms) df.set(t, (df.get(t) ?? 0) + 1);
  const n = Math.max(1, units.length);
  const idfOf = (d: number): number => Math.log(1 + (n - d + 0.5) / (d + 0.5));
  const idf = new Map<string, number>();
  for (const [t, d] of df) idf.set(t, idfOf(d));
  const unitVectors = units.length > 0 ? await embed(units, 'document') : [];
  const joined = sources.join('\n');
  return { units, unitTerms, unitVectors, idf, maxIdf: idfOf(0), numbers: extractNumbers(joined), lookup: normalizeForLookup(joined) };
}

/** Support of each claim by the indexed sources, in [0, 1]. */
export async function scoreClaims(claims: readonly string[], index: SourceIndex, embed: EmbedFunction): Promise<ClaimSupport[]> {
  if (claims.length === 0) return [];
  const vectors = await embed([...claims], 'query');
  return claims.map((claim, c) => {
    const terms = [...contentTerms(claim)];
    let total = 0;
    for (const t of terms) total += index.idf.get(t) ?? index.maxIdf;
    let best = 0;
    for (let u = 0; u < index.units.length; u++) {
      let covered = 0;
      for (const t of terms) if (index.unitTerms[u]!.has(t)) covered += index.idf.get(t)!;
      const coverage = total > 0 ? covered / total : 0;
      const cos = cosine(vectors[c]!, index.unitVectors[u]!);
      const sim = Math.min(1, Math.max(0, (cos - SIM_FLOOR) / (SIM_CEIL - SIM_FLOOR)));
      best = Math.max(best, COVERAGE_SHARE * coverage + (1 - COVERAGE_SHARE) * sim);
    }
    const facts = checkFacts(claim, index.numbers, index.lookup);
    const capped = facts.missingNumbers.length + facts.missingEntities.length > 0 ? Math.min(best, FACT_CAP) : best;
    return { score: Math.round(capped * 1e4) / 1e4, facts };
  });
}
