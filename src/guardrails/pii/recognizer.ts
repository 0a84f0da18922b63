// The shape every built-in recogniser has, and the one loop that runs a pattern recogniser over a text.
import type { PiiEntityType, PiiFinding } from './types.js';

/** Characters of text before a match that context words are looked for in. */
export const CONTEXT_BEFORE = 48;
/** Characters of text after a match that context words are looked for in. */
export const CONTEXT_AFTER = 24;

/**
 * What a validator answers for a shape match: false (not this entity), true (keep the base score), a number
 * (use this base score instead) or [score, length] (keep only the first `length` characters of the match).
 */
export type ValidatorResult = boolean | number | readonly [number, number];

/** A regex-shaped entity: the regex finds the shape, the validator checks it, context words move the score. */
export interface PatternRecognizer {
  readonly type: PiiEntityType;
  /** must carry the g flag; the entity is capture group `group` (default: the whole match; -1: the first group that matched) */
  readonly regex: RegExp;
  readonly group?: number;
  /** confidence of a valid match with no context words */
  readonly score: number;
  readonly validate?: (value: string, match: RegExpExecArray) => ValidatorResult;
  /** words near the match that make this entity more likely, and how much they add */
  readonly raise?: ContextWords;
  readonly raiseBy?: number;
  /** words that make it less likely (ignored when a raising word is also present) */
  readonly lower?: ContextWords;
  readonly lowerBy?: number;
  /** the text must contain one of these characters for the regex to be worth running */
  readonly needs?: 'digit' | '@' | ':' | 'upper';
  /**
   * Where a match can start: at a token starting with a digit (or + or parenthesis), with an upper-case letter
   * followed by an upper-case letter or digit, or either; hexsep: a run of hex digits followed by : or -;
   * long: a run of 40 base64 characters. Such recognisers run a sticky regex at those token
   * starts only, instead of scanning the whole text; keyword-led ones (no lead) scan, which is fast for literals.
   */
  readonly lead?: 'digit' | 'upper' | 'both' | 'hexsep' | 'long' | 'keyword';
  /** for lead 'keyword': the lower-case literals a match starts with; the regex runs only where one occurs */
  readonly keywords?: readonly string[];
  /** no match reaches the default threshold without a raising context word (so none in the text: skip) */
  readonly needsContext?: boolean;
  /** for lead 'digit': the fewest digits a match has (a numeric token with fewer is not tried) */
  readonly minDigits?: number;
}

/** A compiled list of context words or phrases, matched on word boundaries, case-insensitively. */
export interface ContextWords {
  readonly re: RegExp;
  /** the words' first space-free pieces, lower-case: none in the text means no context word can match */
  readonly stems: readonly string[];
}

/** Compiles context words once; the phrases are literal text, not patterns. */
export function contextWords(words: readonly string[]): ContextWords {
  const alt = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '[\\s_-]?')).join('|');
  const stems = [...new Set(words.map((w) => w.toLowerCase().split(/[\s_-]/)[0]!))];
  return { re: new RegExp(`\\b(?:${alt})(?![a-z])`, 'i'), stems };
}

/** True when one of `words` occurs within the context window around [start, end) (before it only, if asked). */
export function nearContext(text: string, start: number, end: number, words: ContextWords, beforeOnly = false): boolean {
  const from = start > CONTEXT_BEFORE ? start - CONTEXT_BEFORE : 0;
  const window = beforeOnly ? text.slice(from, start) : text.slice(from, start) + ' ' + text.slice(end, end + CONTEXT_AFTER);
  return words.re.test(window);
}

/** Context-adjusted score: raising words add, lowering words subtract only when nothing raises. */
export function contextScore(r: PatternRecognizer, text: string, start: number, end: number, base: number): number {
  let score = base;
  if (r.raise && nearContext(text, start, end, r.raise)) score += r.raiseBy ?? 0.4;
  // lowering words only count before the match: the next sentence's subject says nothing about this one
  else if (r.lower && nearContext(text, start, end, r.lower, true)) score -= r.lowerBy ?? 0.4;
  return score < 0 ? 0 : score > 1 ? 1 : Math.round(score * 1000) / 1000;
}

/** Runs one pattern recogniser over `text` (global scan), pushing findings at or above `threshold` into `out`. */
export function runPattern(r: PatternRecognizer, text: string, threshold: number, out: PiiFinding[]): void {
  const re = r.regex;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    takeMatch(r, m, text, threshold, out);
  }
}

/**
 * Runs a recogniser's sticky regex at the given candidate token starts (ascending) only. Like a global scan, the
 * next match is looked for after the end of the previous one.
 */
export function runPatternAt(
  r: PatternRecognizer, sticky: RegExp, text: string, starts: readonly number[], threshold: number, out: PiiFinding[],
  digitsAhead?: readonly number[],
): void {
  let next = 0;
  const minDigits = r.minDigits ?? 0;
  for (let i = 0; i < starts.length; i++) {
    const p = starts[i]!;
    if (p < next || (digitsAhead !== undefined && digitsAhead[i]! < minDigits)) continue;
    sticky.lastIndex = p;
    const m = sticky.exec(text);
    if (m === null || m[0].length === 0) continue;
    next = p + m[0].length;
    takeMatch(r, m, text, threshold, out);
  }
}

function takeMatch(r: PatternRecognizer, m: RegExpExecArray, text: string, threshold: number, out: PiiFinding[]): void {
  let g = r.group ?? 0;
  if (g < 0) {
    g = 1;
    while (g < m.length - 1 && m[g] === undefined) g++;
  }
  const value = m[g];
  if (value === undefined) return;
  const start = g === 0 ? m.index : m.index + m[0].indexOf(value);
  let end = start + value.length;
  let base = r.score;
  if (r.validate) {
    const v = r.validate(value, m);
    if (v === false) return;
    if (typeof v === 'number') base = v;
    else if (Array.isArray(v)) {
      base = v[0] as number;
      end = start + (v[1] as number);
    }
  }
  // even with a raising word this match cannot reach the threshold: skip the context look-up
  if (base + (r.raise ? (r.raiseBy ?? 0.4) : 0) < threshold) return;
  const score = contextScore(r, text, start, end, base);
  if (score >= threshold) out.push({ type: r.type, start, end, score });
}
