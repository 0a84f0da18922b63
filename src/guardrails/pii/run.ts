// Running pattern recognisers: compiled once per detector (own regex objects, token-shape masks, literal-table
// sinks), then run per text at the starts the text scan found, or over the whole text.
import type { LiteralTable } from './literals.js';
import {
  allows, contextScore, lengthMask, type ContextWords, type PatternRecognizer, type StemPositions, type TokenShape,
} from './recognizer.js';
import { TOKEN_DIGIT, TOKEN_SYMBOL, TOKEN_UPPER, type TextScan } from './text-scan.js';
import type { PiiFinding } from './types.js';

/** A recogniser ready to run: its own regexes (lastIndex is per-detector state) and precomputed checks. */
export interface CompiledRecognizer {
  readonly r: PatternRecognizer;
  readonly regex: RegExp;
  /** sticky copy of the regex for recognisers that run at candidate starts */
  readonly sticky: RegExp | undefined;
  /** token kinds a match can start at, and the masks of lengthMask() for the token shape */
  readonly kinds: number;
  readonly runMask: number;
  readonly lettersMask: number;
  readonly wordMask: number;
  readonly minDigits: number;
  /** per first-run length (0-31): the characters allowed right after the run (undefined: any) */
  readonly afterRun: readonly (CharSet | undefined)[] | undefined;
  /** literal-table sinks of the keywords and of the raising / lowering context words (-1: none) */
  readonly keywordSink: number;
  readonly raiseSink: number;
  readonly lowerSink: number;
}

/** Registers every keyword list and context-word list of `patterns` in `table` (once per list). */
export function registerLiterals(patterns: readonly PatternRecognizer[], table: LiteralTable): Map<object, number> {
  const sinks = new Map<object, number>();
  const add = (key: object, literals: readonly string[]): void => {
    if (!sinks.has(key)) sinks.set(key, table.addSink(literals));
  };
  for (const r of patterns) {
    if (r.lead === 'keyword') add(r, r.keywords ?? []);
    for (const w of [r.raise, r.lower]) if (w) add(w, w.stems);
  }
  return sinks;
}

/** Compiles one recogniser against the sinks registerLiterals() returned. */
export function compileRecognizer(r: PatternRecognizer, sinks: ReadonlyMap<object, number>): CompiledRecognizer {
  const shape = r.shape ?? {};
  let kinds = 0;
  if (r.lead === 'digit') kinds = shape.symbol === 'only' ? TOKEN_SYMBOL : TOKEN_DIGIT | (shape.symbol ? TOKEN_SYMBOL : 0);
  else if (r.lead === 'upper') kinds = TOKEN_UPPER;
  else if (r.lead === 'both') kinds = TOKEN_DIGIT | TOKEN_UPPER;
  const sink = (w: ContextWords | PatternRecognizer | undefined): number => (w ? sinks.get(w) ?? -1 : -1);
  return {
    r,
    regex: new RegExp(r.regex.source, r.regex.flags),
    sticky: r.lead ? new RegExp(r.regex.source, r.regex.flags.replace('g', '') + 'y') : undefined,
    kinds,
    runMask: lengthMask(shape.run),
    lettersMask: lengthMask(shape.letters),
    wordMask: lengthMask(shape.word),
    minDigits: r.minDigits ?? 0,
    afterRun: afterTable(shape),
    keywordSink: r.lead === 'keyword' ? sink(r) : -1,
    raiseSink: sink(r.raise),
    lowerSink: sink(r.lower),
  };
}

/** A one-character class: a table for ASCII codes, the regex for the rest. */
interface CharSet {
  readonly ascii: Uint8Array;
  readonly re: RegExp;
}

function charSet(re: RegExp): CharSet {
  const ascii = new Uint8Array(128);
  for (let c = 0; c < 128; c++) ascii[c] = re.test(String.fromCharCode(c)) ? 1 : 0;
  return { ascii, re };
}

const inSet = (set: CharSet, c: number): boolean => (c < 128 ? set.ascii[c] === 1 : set.re.test(String.fromCharCode(c)));

function afterTable(shape: TokenShape): (CharSet | undefined)[] | undefined {
  if (!shape.after) return undefined;
  const table = new Array<CharSet | undefined>(32);
  for (const { runs, char } of shape.after) {
    const mask = lengthMask(runs);
    const set = charSet(new RegExp(`^${char.source}$`, char.flags.replace(/[gy]/g, '')));
    for (let n = 0; n < 32; n++) if (allows(mask, n)) table[n] = set;
  }
  return table;
}

const NONE: readonly number[] = [];

/** Where the stems of a recogniser's context words start in the scanned text (undefined: not indexed). */
export function stemPositions(c: CompiledRecognizer, scan: TextScan): StemPositions | undefined {
  if (!scan.indexed) return undefined;
  return {
    raise: c.raiseSink >= 0 ? scan.sinks[c.raiseSink] ?? NONE : undefined,
    lower: c.lowerSink >= 0 ? scan.sinks[c.lowerSink] ?? NONE : undefined,
  };
}

/** Runs a recogniser over the whole text (global scan). */
export function runGlobal(c: CompiledRecognizer, text: string, threshold: number, out: PiiFinding[], stems?: StemPositions): void {
  const re = c.regex;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    takeMatch(c.r, m, text, threshold, out, stems);
  }
}

/**
 * Runs a recogniser's sticky regex at the given starts (ascending) only. Like a global scan, the next match is
 * looked for after the end of the previous one.
 */
export function runAt(
  c: CompiledRecognizer, text: string, starts: readonly number[], threshold: number, out: PiiFinding[], stems?: StemPositions,
): void {
  const sticky = c.sticky!;
  let next = 0;
  for (let i = 0; i < starts.length; i++) {
    const p = starts[i]!;
    if (p < next) continue;
    sticky.lastIndex = p;
    const m = sticky.exec(text);
    if (m === null || m[0].length === 0) continue;
    next = p + m[0].length;
    takeMatch(c.r, m, text, threshold, out, stems);
  }
}

/**
 * Token-led recognisers dispatched by token shape: each token is read once and offered only to the recognisers
 * its kind and digit-run length (or count of capitals) allow, instead of every recogniser walking every token.
 */
export class TokenDispatch {
  /** by min(length, 31): indexes of the recognisers a digit token / symbol token / capitals token can start */
  private readonly byDigitRun: number[][] = [];
  private readonly bySymbolRun: number[][] = [];
  private readonly byLetters: number[][] = [];

  constructor(private readonly recs: readonly CompiledRecognizer[]) {
    for (let n = 0; n < 32; n++) {
      this.byDigitRun.push([]);
      this.bySymbolRun.push([]);
      this.byLetters.push([]);
    }
    recs.forEach((c, i) => {
      for (let n = 0; n < 32; n++) {
        if ((c.kinds & TOKEN_DIGIT) !== 0 && allows(c.runMask, n)) this.byDigitRun[n]!.push(i);
        if ((c.kinds & TOKEN_SYMBOL) !== 0 && allows(c.runMask, n)) this.bySymbolRun[n]!.push(i);
        if ((c.kinds & TOKEN_UPPER) !== 0 && allows(c.lettersMask, n)) this.byLetters[n]!.push(i);
      }
    });
  }

  /**
   * Runs the recognisers marked in `active` (by index) at their tokens. Each keeps its own "next match after the
   * previous one" like a global scan; findings go to `outs[index]` so the caller can keep recogniser order.
   */
  run(text: string, scan: TextScan, threshold: number, active: readonly boolean[], outs: (PiiFinding[] | undefined)[]): void {
    const { tokPos, tokKind, tokLetters, tokRun, tokWord, tokAhead, tokAfter } = scan;
    const recs = this.recs;
    const next = new Array<number>(recs.length).fill(0);
    const stems = new Array<StemPositions | undefined>(recs.length);
    for (let i = 0; i < tokPos.length; i++) {
      const p = tokPos[i]!;
      const kind = tokKind[i]!;
      const run = tokRun[i]!;
      const runKey = run > 31 ? 31 : run;
      const list = kind === TOKEN_DIGIT ? this.byDigitRun[runKey]! : kind === TOKEN_SYMBOL ? this.bySymbolRun[runKey]! : this.byLetters[tokLetters[i]! > 31 ? 31 : tokLetters[i]!]!;
      for (let k = 0; k < list.length; k++) {
        const ri = list[k]!;
        if (!active[ri] || p < next[ri]!) continue;
        const c = recs[ri]!;
        if (kind !== TOKEN_UPPER) {
          if (tokAhead[i]! < c.minDigits) continue;
          const set = c.afterRun?.[runKey];
          if (set !== undefined && !inSet(set, tokAfter[i]!)) continue;
        }
        if (!allows(c.wordMask, tokWord[i]!)) continue;
        const sticky = c.sticky!;
        sticky.lastIndex = p;
        const m = sticky.exec(text);
        if (m === null || m[0].length === 0) continue;
        next[ri] = p + m[0].length;
        stems[ri] ??= stemPositions(c, scan);
        takeMatch(c.r, m, text, threshold, (outs[ri] ??= []), stems[ri]);
      }
    }
  }
}

function takeMatch(r: PatternRecognizer, m: RegExpExecArray, text: string, threshold: number, out: PiiFinding[], stems?: StemPositions): void {
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
  const score = contextScore(r, text, start, end, base, stems);
  if (score >= threshold) out.push({ type: r.type, start, end, score });
}
