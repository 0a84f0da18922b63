import { countTokens } from '../../core/index.js';
import { isSpaceAt } from './sentences.js';
import { TokenSpans } from './token-spans.js';

/*
 * Chunking works in text space, not token space. The text is cut into small "units" — a word with the
 * whitespace before it (`\s*\S+`), the way cl100k_base attaches a leading space to the next word — and each
 * unit's token count is taken with countTokens. Windows are then chosen on prefix sums of those counts, and
 * every candidate chunk is re-counted on its exact text before it is accepted, so the per-unit sums are
 * only an estimate that steers the search; they never decide correctness. Exact counts of units and chunks
 * come from TokenSpans (token-spans.ts), which counts the document once and any span from prefix sums.
 *
 * Why not token space (encode, cut token arrays, decode): a token can hold part of a multi-byte character,
 * so decoded token ranges do not map back to exact character offsets without decoding prefixes, and the
 * chunk texts would need re-encoding anyway. Units always end on code-point boundaries (grapheme
 * boundaries where the segmenter is used), so offsets are exact for any script, and countTokens memoises
 * common pieces, which keeps 1 MB well under a second.
 */

export const BOUNDARY = { MID: 0, WORD: 1, SENTENCE: 2, PARAGRAPH: 3 } as const;
export type BoundaryKind = (typeof BOUNDARY)[keyof typeof BOUNDARY];

export interface TokenUnits {
  readonly count: number;
  /** unit u spans [start[u], end[u]) */
  readonly start: readonly number[];
  readonly end: readonly number[];
  /** first non-whitespace offset of unit u, or -1 when the unit is whitespace only */
  readonly contentStart: readonly number[];
  /** prefix[u] = estimated tokens of units 0..u-1 (length count + 1) */
  readonly prefix: readonly number[];
  /** kind of the boundary right after unit u: where a cut there would fall */
  readonly kind: readonly BoundaryKind[];
  /** exact token counts of any span of the text */
  readonly spans: TokenSpans;
}

export interface UnitOptions {
  /** sorted offsets where a sentence ends: units end there, and cuts there are SENTENCE cuts */
  sentenceEnds: readonly number[];
  /** sorted offsets that start a block (a Markdown section): units start there, cuts there are PARAGRAPH cuts */
  blockStarts: readonly number[];
  /** largest token count of one unit; longer words are split (a mid-word cut is the last resort) */
  unitTokenCap: number;
}

/** A long word is pre-split to this many UTF-16 units before counting: BPE cost grows with piece length. */
const MAX_UNIT_CHARS = 48;
const WORDS = /\s*\S+|\s+/gu;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const BLANK_LINE = /\n[^\S\n]*\n/;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Cuts text into token-counted units (see above). */
export function buildUnits(text: string, opts: UnitOptions): TokenUnits {
  const start: number[] = [];
  const end: number[] = [];
  const contentStart: number[] = [];
  const tokens: number[] = [];
  const cap = opts.unitTokenCap;
  const spans = new TokenSpans(text);

  const push = (a: number, b: number, n: number): void => {
    let c = a;
    while (c < b && isSpaceAt(text, c)) c++;
    start.push(a);
    end.push(b);
    contentStart.push(c < b ? c : -1);
    tokens.push(n);
  };

  // Splits [a, b) into grapheme runs of at most `cap` tokens: the longest run of at most MAX_UNIT_CHARS,
  // halved until it fits, so a long blob (base64, a hash, unspaced CJK) costs a few counts per unit, not
  // one per grapheme. A grapheme over the cap (a long emoji ZWJ sequence) falls back to code points, each
  // at most 4 tokens (4 UTF-8 bytes), and cap >= 4.
  const pushOversized = (a: number, b: number): void => {
    const bounds: number[] = [];
    const piece = text.slice(a, b);
    // Printable ASCII has one grapheme per character: skip the segmenter, by far the slowest step here.
    if (PRINTABLE_ASCII.test(piece)) for (let c = a; c < b; c++) bounds.push(c);
    else for (const g of graphemes.segment(piece)) bounds.push(a + g.index);
    bounds.push(b);
    let p = 0;
    let q = 0;
    while (p < bounds.length - 1) {
      if (q <= p) q = p + 1;
      while (q + 1 < bounds.length && bounds[q + 1]! - bounds[p]! <= MAX_UNIT_CHARS) q++;
      let n = countTokens(text.slice(bounds[p], bounds[q]));
      while (n > cap && q > p + 1) {
        q = p + Math.ceil((q - p) / 2);
        n = countTokens(text.slice(bounds[p], bounds[q]));
      }
      if (n <= cap) push(bounds[p]!, bounds[q]!, n);
      else for (let c = bounds[p]!; c < bounds[q]!; ) {
        const cp = String.fromCodePoint(text.codePointAt(c)!);
        push(c, c + cp.length, countTokens(cp));
        c += cp.length;
      }
      p = q;
    }
  };

  const pushPiece = (a: number, b: number): void => {
    if (b - a <= MAX_UNIT_CHARS) {
      const n = spans.count(a, b);
      if (n <= cap) {
        push(a, b, n);
        return;
      }
    }
    pushOversized(a, b);
  };

  // Units must not straddle a sentence end or a block start, so both lists become forced splits.
  const forced = mergeSorted(opts.sentenceEnds, opts.blockStarts);
  let f = 0;
  for (const m of text.matchAll(WORDS)) {
    let a = m.index;
    const b = a + m[0].length;
    while (f < forced.length && forced[f]! <= a) f++;
    while (f < forced.length && forced[f]! < b) {
      pushPiece(a, forced[f]!);
      a = forced[f]!;
      f++;
    }
    pushPiece(a, b);
  }

  const count = start.length;
  const prefix = new Array<number>(count + 1);
  prefix[0] = 0;
  for (let u = 0; u < count; u++) prefix[u + 1] = prefix[u]! + tokens[u]!;
  const kind = new Array<BoundaryKind>(count);
  let s = 0;
  let bl = 0;
  for (let u = 0; u < count; u++) {
    const at = end[u]!;
    while (s < opts.sentenceEnds.length && opts.sentenceEnds[s]! < at) s++;
    while (bl < opts.blockStarts.length && opts.blockStarts[bl]! < at) bl++;
    kind[u] = boundaryAfter(text, u, count, at, opts.sentenceEnds[s] === at, opts.blockStarts[bl] === at, start, contentStart);
  }
  return { count, start, end, contentStart, prefix, kind, spans };
}

function boundaryAfter(
  text: string,
  u: number,
  count: number,
  at: number,
  sentenceEnd: boolean,
  blockStart: boolean,
  start: readonly number[],
  contentStart: readonly number[],
): BoundaryKind {
  if (u === count - 1 || blockStart) return BOUNDARY.PARAGRAPH;
  const nextStart = start[u + 1]!;
  const nextContent = contentStart[u + 1]!;
  const gapEnd = nextContent === -1 ? Math.min(text.length, nextStart + 64) : nextContent;
  if (gapEnd - nextStart >= 2 && BLANK_LINE.test(text.slice(nextStart, gapEnd))) return BOUNDARY.PARAGRAPH;
  if (sentenceEnd) return BOUNDARY.SENTENCE;
  if (nextContent !== nextStart || contentStart[u] === -1 || isSpaceAt(text, at - 1)) return BOUNDARY.WORD;
  return BOUNDARY.MID;
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (out.length === 0 || out[out.length - 1] !== next) out.push(next);
  }
  return out;
}
