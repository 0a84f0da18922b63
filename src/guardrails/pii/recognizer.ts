// The shape every built-in recogniser has, and how context words around a match move its score.
import type { PiiEntityType } from './types.js';

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
   * followed by an upper-case letter or digit, or either; hexsep: a run of hex digits followed by ':'; macsep: two
   * hex digits and ':' or '-', or four and a dot; long: a run of 40 base64 characters; at: an '@'. Such recognisers run a sticky regex at those
   * token starts only, instead of scanning the whole text; keyword-led ones run where one of `keywords` starts a
   * word; recognisers without a lead scan the whole text.
   */
  readonly lead?: 'digit' | 'upper' | 'both' | 'hexsep' | 'macsep' | 'long' | 'keyword' | 'at';
  /** for lead 'keyword': the lower-case literals a match starts with; the regex runs only where one starts a word */
  readonly keywords?: readonly string[];
  /** no match reaches the default threshold without a raising context word (so none in the text: skip) */
  readonly needsContext?: boolean;
  /** for lead 'digit': the fewest digits a match has (a numeric token with fewer is not tried) */
  readonly minDigits?: number;
  /**
   * Token shapes a match can start at, for token-led recognisers: each is a necessary condition of the regex, so
   * a token failing one is skipped without running it. Absent: any token of the lead's kinds.
   */
  readonly shape?: TokenShape;
}

/** Lengths as single values or inclusive [from, to] ranges; 31 stands for 31 or more. */
export type Lengths = readonly (number | readonly [number, number])[];

/** Necessary conditions on the token a match starts at (see TextScan for how each is measured). */
export interface TokenShape {
  /** a match can start at a + or ( before a digit (phone numbers; 'only': nowhere else); otherwise at a digit */
  readonly symbol?: boolean | 'only';
  /** digit and symbol tokens: allowed lengths of the first run of digits */
  readonly run?: Lengths;
  /** upper-case tokens: allowed numbers of leading capitals */
  readonly letters?: Lengths;
  /** allowed lengths of the word the token starts */
  readonly word?: Lengths;
  /** digit and symbol tokens whose first run has one of `runs` lengths: the character after it must match `char` */
  readonly after?: readonly { readonly runs: Lengths; readonly char: RegExp }[];
}

/** Bit n set when length n is allowed (n capped at 31); every bit when `lengths` is absent. */
export function lengthMask(lengths: Lengths | undefined): number {
  if (lengths === undefined) return -1;
  let mask = 0;
  for (const l of lengths) {
    const [a, b] = typeof l === 'number' ? [l, l] : l;
    for (let n = Math.min(a, 31); n <= Math.min(b, 31); n++) mask |= 1 << n;
  }
  return mask;
}

/** True when `mask` (from lengthMask) allows length `n`. */
export const allows = (mask: number, n: number): boolean => ((mask >>> (n > 31 ? 31 : n)) & 1) === 1;

/** A compiled list of context words or phrases, matched on word boundaries, case-insensitively. */
export interface ContextWords {
  readonly re: RegExp;
  /** the same alternatives as a sticky regex, tried at one word start of the text */
  readonly at: RegExp;
  /** the longest word or phrase: a match at p reads no character past p + longest */
  readonly longest: number;
  /** the words' first space-free pieces, lower-case: none in the text means no context word can match */
  readonly stems: readonly string[];
}

/** Compiles context words once; the phrases are literal text, not patterns. */
export function contextWords(words: readonly string[]): ContextWords {
  const alt = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '[\\s_-]?')).join('|');
  const stems = [...new Set(words.map((w) => w.toLowerCase().split(/[\s_-]/)[0]!))];
  const source = `\\b(?:${alt})(?![a-z])`;
  return { re: new RegExp(source, 'i'), at: new RegExp(source, 'iy'), longest: Math.max(...words.map((w) => w.length)), stems };
}

const isWordCode = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * True when one of `words` occurs within the context window around [start, end) (before it only, if asked).
 * `stemsAt`, when the caller indexed the text, lists the word starts where one of the words' stems begins (empty:
 * none): without one in the window the regex cannot match and is not run.
 */
export function nearContext(
  text: string, start: number, end: number, words: ContextWords, beforeOnly = false, stemsAt?: readonly number[],
): boolean {
  let from = start > CONTEXT_BEFORE ? start - CONTEXT_BEFORE : 0;
  // a window edge inside a word does not make the word's tail a context word ("mastercard" is not "card")
  while (from > 0 && from < start && isWordCode(text.charCodeAt(from - 1))) from++;
  if (stemsAt === undefined) return words.re.test(contextWindow(text, from, start, end, beforeOnly));
  if (!stemIn(stemsAt, from, start) && (beforeOnly || !stemIn(stemsAt, end, end + CONTEXT_AFTER))) return false;
  const found = stemsMatch(text, from, start, end, words, beforeOnly, stemsAt);
  return found !== undefined ? found : words.re.test(contextWindow(text, from, start, end, beforeOnly));
}

/** The window nearContext() searches: the text before the match, and unless `beforeOnly` a space and the text after. */
function contextWindow(text: string, from: number, start: number, end: number, beforeOnly: boolean): string {
  return beforeOnly ? text.slice(from, start) : text.slice(from, start) + ' ' + text.slice(end, end + CONTEXT_AFTER);
}

/**
 * The window search of nearContext() without building the window: every match in the window starts at a word
 * start where a stem begins, so the sticky regex is tried on the text at those positions only. The text and the
 * window differ only past the window's pieces, so a match that ends inside its piece is a window match, and a
 * failure that read nothing past its piece is a window failure. undefined: a try read past its piece (or the
 * window's after-piece starts inside a word, where no stem is indexed): the caller searches the real window.
 */
function stemsMatch(
  text: string, from: number, start: number, end: number, words: ContextWords, beforeOnly: boolean, stemsAt: readonly number[],
): boolean | undefined {
  const re = words.at;
  let sure = true;
  for (let k = firstAtOrAfter(stemsAt, from); k < stemsAt.length && stemsAt[k]! < start; k++) {
    const p = stemsAt[k]!;
    re.lastIndex = p;
    if (re.test(text)) {
      if (re.lastIndex <= start) return true;
      sure = false;
    } else if (p + words.longest >= start) sure = false;
  }
  if (beforeOnly) return sure ? false : undefined;
  const stop = Math.min(end + CONTEXT_AFTER, text.length);
  if (end > 0 && end < stop && isWordCode(text.charCodeAt(end - 1)) && isWordCode(text.charCodeAt(end))) sure = false;
  for (let k = firstAtOrAfter(stemsAt, end); k < stemsAt.length && stemsAt[k]! < stop; k++) {
    const p = stemsAt[k]!;
    re.lastIndex = p;
    if (re.test(text)) {
      if (re.lastIndex <= stop) return true;
      sure = false;
    } else if (p + words.longest >= stop) sure = false;
  }
  return sure ? false : undefined;
}

/** Index of the first of an ascending `positions` at or after `from`. */
function firstAtOrAfter(positions: readonly number[], from: number): number {
  let lo = 0;
  let hi = positions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (positions[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when an ascending `positions` has one in [from, to). */
function stemIn(positions: readonly number[], from: number, to: number): boolean {
  const k = firstAtOrAfter(positions, from);
  return k < positions.length && positions[k]! < to;
}

/** Word starts of context-word stems for one recogniser's raising and lowering lists (see nearContext). */
export interface StemPositions {
  readonly raise?: readonly number[];
  readonly lower?: readonly number[];
}

/** Context-adjusted score: raising words add, lowering words subtract only when nothing raises. */
export function contextScore(r: PatternRecognizer, text: string, start: number, end: number, base: number, stems?: StemPositions): number {
  let score = base;
  if (r.raise && nearContext(text, start, end, r.raise, false, stems?.raise)) score += r.raiseBy ?? 0.4;
  // lowering words only count before the match: the next sentence's subject says nothing about this one
  else if (r.lower && nearContext(text, start, end, r.lower, true, stems?.lower)) score -= r.lowerBy ?? 0.4;
  return score < 0 ? 0 : score > 1 ? 1 : Math.round(score * 1000) / 1000;
}
