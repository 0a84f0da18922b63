// One pass over a text before any recogniser runs: where candidate tokens start and what shape they have (digit
// runs, leading capitals, word length), where literals of keyword-led recognisers and context words begin, and
// the other start lists (hex runs before a separator, 40-character base64 runs, '@'). Recognisers then run their
// regexes only at starts whose shape they can match, which is what keeps ~40 patterns at tens of MB/s.
import { Buffer } from 'node:buffer';
import type { LiteralTable } from './literals.js';

/** Token kinds: a digit, a + or ( right before a digit, a capital followed by a capital or digit. */
export const TOKEN_DIGIT = 1;
export const TOKEN_SYMBOL = 2;
export const TOKEN_UPPER = 4;

/** What the scan found; token arrays are parallel and in text order. */
export interface TextScan {
  /** the text lower-cased (computed on first use) */
  readonly lower: string;
  /** positions in `lower` are positions in `text` (false after a rare Unicode case mapping that changes length) */
  readonly indexed: boolean;
  readonly hasDigit: boolean;
  readonly hasUpper: boolean;
  readonly hasColon: boolean;
  readonly tokPos: number[];
  readonly tokKind: number[];
  /** capitals at the token's start */
  readonly tokLetters: number[];
  /** digits in the first run of digits (after the capitals, or after the + or parenthesis) */
  readonly tokRun: number[];
  /** length of the word (letters, digits, underscore) the token starts, from its first word character */
  readonly tokWord: number[];
  /** digit and symbol tokens: digits up to the end of the numeric token (digits with up to two separators between) */
  readonly tokAhead: number[];
  /** the character code right after the first run of digits (0 at the end of the text) */
  readonly tokAfter: number[];
  /** per literal-table sink: ascending word starts where one of its literals begins (undefined: none) */
  readonly sinks: (number[] | undefined)[];
  /** an IPv6 address can start here: a run of up to 4 hex digits before ':', or a leading '::' */
  readonly hexsep: readonly number[];
  /** a MAC address can start here: 2 hex digits before ':' or '-', or 4 before '.' and another hex digit */
  readonly macsep: readonly number[];
  /** where a run of exactly 40 base64 characters starts */
  readonly long: readonly number[];
  /** positions of '@' */
  readonly at: readonly number[];
}

// character classes of ASCII codes, one table load per character in the scan loop
const WORD = 1;
const DIGIT = 2;
const UPPER = 4;
const HEX = 8;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  CLASS[c] = (/\w/.test(ch) ? WORD : 0) | (/\d/.test(ch) ? DIGIT : 0) | (/[A-Z]/.test(ch) ? UPPER : 0) | (/[0-9A-Fa-f]/.test(ch) ? HEX : 0);
}
const classOf = (c: number): number => (c < 128 ? CLASS[c]! : 0);
const isWordCode = (c: number): boolean => (classOf(c) & WORD) !== 0;
const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const isHexCode = (c: number): boolean => (classOf(c) & HEX) !== 0;
const isBase64Code = (c: number): boolean => ((classOf(c) & WORD) !== 0 && c !== 95) || c === 47 || c === 43;
/** separators a numeric token may carry between digits: ") " in (415) 555-0132 is two */
const isNumberSep = (c: number): boolean => c === 32 || c === 45 || c === 46 || c === 47 || c === 40 || c === 41 || c === 43;

class Scan implements TextScan {
  readonly tokPos: number[] = [];
  readonly tokKind: number[] = [];
  readonly tokLetters: number[] = [];
  readonly tokRun: number[] = [];
  readonly tokWord: number[] = [];
  readonly tokAhead: number[] = [];
  readonly tokAfter: number[] = [];
  readonly sinks: (number[] | undefined)[];
  hasDigit = false;
  hasUpper = false;
  hasColon = false;
  readonly indexed: boolean;
  private lowerText: string | undefined;
  private hexsepList: number[] | undefined;
  private macsepList: number[] | undefined;
  private longList: number[] | undefined;
  private atList: number[] | undefined;

  constructor(private readonly text: string, sinkCount: number) {
    // U+0130 lower-cases to two code units and the Kelvin sign to an ASCII k: word starts in the lower-cased text
    // would differ from those in `text`, so such a text is not indexed
    this.indexed = !text.includes('\u0130') && !text.includes('\u212A');
    this.sinks = new Array<number[] | undefined>(sinkCount);
  }

  get lower(): string {
    return (this.lowerText ??= this.text.toLowerCase());
  }

  // the start lists below serve one or two recognisers each: built on first use, from native searches

  get hexsep(): readonly number[] {
    // an IPv6 address starts at the hex run before its first ':' (or at a leading '::')
    return (this.hexsepList ??= this.hexRunsBefore([':'], (sep, run, next) => run <= 4 && (run > 0 || next === 58)));
  }

  get macsep(): readonly number[] {
    // a MAC address starts at two hex digits and ':' or '-', or at four and a dot (Cisco style: 0123.4567.89ab)
    return (this.macsepList ??= this.hexRunsBefore([':', '-', '.'], (sep, run, next) => (sep === '.' ? run === 4 && isHexCode(next) : run === 2)));
  }

  /** Ascending word starts of hex runs right before one of `seps` that `ok` accepts (run: up to 5 counted). */
  private hexRunsBefore(seps: readonly string[], ok: (sep: string, run: number, next: number) => boolean): number[] {
    const text = this.text;
    const found: number[] = [];
    for (const sep of seps) {
      for (let i = text.indexOf(sep); i !== -1; i = text.indexOf(sep, i + 1)) {
        let run = 0;
        while (run < 5 && i - run > 0 && isHexCode(text.charCodeAt(i - run - 1))) run++;
        const s = i - run;
        if (ok(sep, run, text.charCodeAt(i + 1)) && (s === 0 || !isWordCode(text.charCodeAt(s - 1)))) found.push(s);
      }
    }
    if (seps.length > 1) found.sort((a, b) => a - b);
    return found.filter((p, k) => k === 0 || found[k - 1] !== p);
  }

  get long(): readonly number[] {
    if (this.longList) return this.longList;
    // every run of 40 or more base64 characters covers a multiple of 40 (minus one): probe only those, and
    // measure the run around a probe that lands in one
    const text = this.text;
    const found: number[] = [];
    for (let i = 39; i < text.length; i += 40) {
      if (!isBase64Code(text.charCodeAt(i))) continue;
      let a = i;
      while (a > 0 && isBase64Code(text.charCodeAt(a - 1))) a--;
      let b = i + 1;
      while (b < text.length && isBase64Code(text.charCodeAt(b))) b++;
      if (b - a === 40) found.push(a);
      while (i + 40 < b) i += 40;
    }
    return (this.longList = found);
  }

  get at(): readonly number[] {
    if (this.atList) return this.atList;
    const found: number[] = [];
    for (let i = this.text.indexOf('@'); i !== -1; i = this.text.indexOf('@', i + 1)) found.push(i);
    return (this.atList = found);
  }
}

// UTF-16 code units of the text, copied natively into a reused buffer: the scan loop then reads array elements
// instead of calling charCodeAt per character (about 3x faster), and the literal table lower-cases the few units
// it compares. detect() is synchronous, so one buffer serves every call.
let textUnits: Uint16Array = new Uint16Array(4096);

/** `s` as UTF-16 code units in `into` (grown when too small), with a 0 after the last one. */
function unitsOf(s: string, into: Uint16Array): Uint16Array {
  let units = into;
  if (units.length < s.length + 1) units = new Uint16Array(Math.max(s.length + 1, units.length * 2));
  Buffer.from(units.buffer, units.byteOffset, units.byteLength).write(s, 0, s.length * 2, 'utf16le');
  units[s.length] = 0;
  return units;
}

/** Scans `text` once; `table` supplies the literals to look for at word starts. */
export function scanText(text: string, table: LiteralTable): TextScan {
  const scan = new Scan(text, table.sinkCount);
  const { indexed, sinks } = scan;
  const u = (textUnits = unitsOf(text, textUnits));
  let prevWord = false;
  let seen = 0;
  let colon = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = u[i]!;
    const cls = c < 128 ? CLASS[c]! : 0;
    seen |= cls;
    if ((cls & WORD) === 0) {
      if (c === 58) colon = true;
      // + or ( right before a digit starts a phone number's token
      else if (!prevWord && (c === 43 || c === 40) && isDigitCode(u[i + 1]!)) pushToken(u, n, i, TOKEN_SYMBOL, scan);
      prevWord = false;
      continue;
    }
    if (prevWord) continue;
    prevWord = true;
    if ((cls & DIGIT) !== 0) pushToken(u, n, i, TOKEN_DIGIT, scan);
    else if ((cls & UPPER) !== 0 && (classOf(u[i + 1]!) & (UPPER | DIGIT)) !== 0) pushToken(u, n, i, TOKEN_UPPER, scan);
    if (indexed) table.hit(u, i, n, sinks);
  }
  scan.hasDigit = (seen & DIGIT) !== 0;
  scan.hasUpper = (seen & UPPER) !== 0;
  scan.hasColon = colon;
  return scan;
}

/** Records a token at `i` of the code units `u` (length `n`) and measures its shape. */
function pushToken(u: Uint16Array, n: number, i: number, kind: number, scan: Scan): void {
  let j = kind === TOKEN_SYMBOL ? i + 1 : i;
  const wordFrom = j;
  let letters = 0;
  while (j < n && (classOf(u[j]!) & UPPER) !== 0) {
    j++;
    letters++;
  }
  let run = 0;
  while (j < n && isDigitCode(u[j]!)) {
    j++;
    run++;
  }
  const after = u[j]!;
  while (j < n && (classOf(u[j]!) & WORD) !== 0) j++;
  let ahead = 0;
  if (kind !== TOKEN_UPPER) {
    let seps = 0;
    for (let k = wordFrom; k < n; k++) {
      const d = u[k]!;
      if (isDigitCode(d)) {
        ahead++;
        seps = 0;
      } else if (seps < 2 && isNumberSep(d)) seps++;
      else break;
    }
  }
  scan.tokPos.push(i);
  scan.tokKind.push(kind);
  scan.tokLetters.push(letters);
  scan.tokRun.push(run);
  scan.tokWord.push(j - wordFrom);
  scan.tokAhead.push(ahead);
  scan.tokAfter.push(after);
}
