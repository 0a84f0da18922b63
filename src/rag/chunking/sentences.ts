/** A half-open range of UTF-16 offsets into a text. */
export interface TextSpan {
  start: number;
  end: number;
}

/*
 * A small, predictable sentence splitter (no model, no locale data). A sentence ends:
 *  - after `.`, `!`, `?` or `…` (plus closing quotes/brackets) when whitespace follows and the next word
 *    starts with a capital letter, a digit or an opening quote/bracket — unless the word before a single
 *    `.` is a known abbreviation (e.g., i.e., Mr., Dr., U.S., …) or a single letter (an initial: "J. Smith");
 *  - after the CJK terminators `。！？` (those scripts put no space after them);
 *  - at a paragraph break (a blank line), and around a Markdown ATX heading line, which is never part of
 *    the sentence that follows it.
 * Spans are trimmed of whitespace; together they cover every non-whitespace character of the text.
 * Patterns use the `u` flag and Unicode classes, so capitals of any script count and surrogate pairs are
 * never split.
 */

const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'cf', 'al', 'approx', 'fig',
  'figs', 'eq', 'vol', 'ch', 'sec', 'inc', 'ltd', 'co', 'corp', 'dept', 'u.s', 'u.k', 'u.n', 'e.u', 'a.m', 'p.m',
]);

const TERMINATOR = /[.!?…]+["'”’»)\]]*(?=\s+["'“‘«([]*[\p{Lu}\p{Lt}\p{N}])/gu;
const CJK_TERMINATOR = /[。！？]+["'”’」』)）]*/gu;
const PARAGRAPH_BREAK = /\n[^\S\n]*\n/g;
const HEADING_LINE = /^ {0,3}#{1,6}(?:[ \t][^\r\n]*)?$/gm;
const WORD_BEFORE_DOT = /[^\s"'“‘«([]+$/u;

function isAbbreviation(text: string, dotIndex: number): boolean {
  // Only look a short way back: the word before the dot is all that decides.
  const before = WORD_BEFORE_DOT.exec(text.slice(Math.max(0, dotIndex - 16), dotIndex));
  if (before === null) return false;
  const word = before[0].toLowerCase();
  return ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word);
}

/** Offsets where a sentence may end, unsorted (whitespace around them is trimmed later). */
function boundaries(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(TERMINATOR)) {
    const run = m[0];
    if (run.startsWith('.') && !run.startsWith('..') && isAbbreviation(text, m.index)) continue;
    out.push(m.index + run.length);
  }
  for (const m of text.matchAll(CJK_TERMINATOR)) out.push(m.index + m[0].length);
  for (const m of text.matchAll(PARAGRAPH_BREAK)) out.push(m.index + 1);
  for (const m of text.matchAll(HEADING_LINE)) out.push(m.index, m.index + m[0].length);
  return out;
}

/** True when the UTF-16 unit at i is whitespace in the sense of the regex `\s` (all whitespace is BMP). */
export function isSpaceAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x80) return false;
  return /\s/.test(text.charAt(i));
}

/** The span with surrounding whitespace removed, or undefined when only whitespace is left. */
export function trimSpan(text: string, start: number, end: number): TextSpan | undefined {
  let s = start;
  let e = end;
  while (s < e && isSpaceAt(text, s)) s++;
  while (e > s && isSpaceAt(text, e - 1)) e--;
  return s < e ? { start: s, end: e } : undefined;
}

/** Splits text into sentence spans (see the rules above), in order, trimmed, never empty. */
export function splitSentences(text: string): TextSpan[] {
  const cuts = boundaries(text).sort((a, b) => a - b);
  const spans: TextSpan[] = [];
  let from = 0;
  for (const cut of cuts) {
    if (cut <= from) continue;
    const span = trimSpan(text, from, cut);
    if (span) spans.push(span);
    from = cut;
  }
  const last = trimSpan(text, from, text.length);
  if (last) spans.push(last);
  return spans;
}
