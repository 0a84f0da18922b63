// The PII detector: built-in recognisers for the 31 Bedrock entity types, custom regex entities, one threshold,
// and overlap resolution. Compile once (per policy) and call detect() per text.
import { StrataError, suggest } from '../../core/index.js';
import { scanAddresses } from './addresses.js';
import { compileCustomEntities, scanCustom, type CompiledCustomEntity } from './custom.js';
import { scanNames } from './names.js';
import { resolveOverlaps } from './overlap.js';
import { runPattern, runPatternAt, type PatternRecognizer } from './recognizer.js';
import { FINANCIAL_RECOGNIZERS } from './recognizers-financial.js';
import { NATIONAL_RECOGNIZERS } from './recognizers-national.js';
import { NETWORK_RECOGNIZERS, scanEmails } from './recognizers-network.js';
import { PERSONAL_RECOGNIZERS } from './recognizers-personal.js';
import {
  DEFAULT_PII_THRESHOLD, PII_ENTITY_TYPES, isPiiEntityType,
  type CustomEntityDefinition, type PiiEntityType, type PiiFinding,
} from './types.js';

const ALL_PATTERNS: readonly PatternRecognizer[] = [
  ...FINANCIAL_RECOGNIZERS, ...NATIONAL_RECOGNIZERS, ...NETWORK_RECOGNIZERS, ...PERSONAL_RECOGNIZERS,
];

/** Options of a detector: which types to look for, the default threshold, custom regex entities. */
export interface PiiDetectorOptions {
  /** built-in types to detect (default: all 31) */
  types?: readonly PiiEntityType[];
  /** findings scoring below this are dropped (default 0.5) */
  threshold?: number;
  /** custom regex entities, as definitions (checked here) or already compiled */
  custom?: readonly CustomEntityDefinition[] | readonly CompiledCustomEntity[];
}

const isCompiled = (c: CustomEntityDefinition | CompiledCustomEntity): c is CompiledCustomEntity => 'regex' in c;

function checkThreshold(t: number): number {
  if (typeof t !== 'number' || !(t >= 0 && t <= 1)) {
    throw new StrataError('invalid_request', `The PII confidence threshold must be a number between 0 and 1 (got ${String(t)}).`);
  }
  return t;
}

interface Compiled {
  readonly r: PatternRecognizer;
  /** sticky copy of r.regex for recognisers that run at candidate token starts */
  readonly sticky: RegExp | undefined;
}

const isWordCode = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * One pass over the text collecting where tokens start: digit-led (a digit, or + or ( before a digit) and
 * upper-led (an upper-case letter followed by an upper-case letter or digit). Identifier recognisers run only
 * there, which is what keeps a scan with ~40 patterns at tens of MB/s.
 */
interface TokenStarts {
  digit: number[];
  /** per digit-led start: the digits from there to the end of its numeric token (digits and single separators) */
  digitsAhead: number[];
  upper: number[];
  both: number[];
  hexsep: number[];
  long: number[];
}

const isHexCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isBase64Code = (c: number): boolean => isWordCode(c) ? c !== 95 : c === 47 || c === 43;

function tokenStarts(text: string): TokenStarts {
  const digit: number[] = [];
  const digitsAhead: number[] = [];
  const upper: number[] = [];
  const both: number[] = [];
  const hexsep: number[] = [];
  const long: number[] = [];
  let prevWord = false;
  let hexRun = 0;
  let b64Run = 0;
  let digitsSeen = 0;
  let inRun = false;
  let seps = 0; // separators since the last digit: ") " in (415) 555-0132 is two
  let runFirst = 0;
  const closeRun = (): void => {
    for (let k = runFirst; k < digit.length; k++) digitsAhead[k] = digitsSeen - digitsAhead[k]!;
    runFirst = digit.length;
    inRun = false;
    seps = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const word = isWordCode(c);
    if (!prevWord && (c >= 48 && c <= 57 || ((c === 43 || c === 40) && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57))) {
      // a digit right after a + or ( candidate belongs to that candidate's token
      if (!inRun && digit[digit.length - 1] !== i - 1) runFirst = digit.length;
      digit.push(i);
      digitsAhead.push(digitsSeen); // digits seen so far; turned into digits ahead when the token ends
      if (c >= 48 && c <= 57) both.push(i);
    }
    if (c >= 48 && c <= 57) {
      digitsSeen++;
      inRun = true;
      seps = 0;
    } else if (inRun && seps < 2 && (c === 32 || c === 45 || c === 46 || c === 47 || c === 40 || c === 41 || c === 43)) {
      seps++;
    } else if (inRun) closeRun();
    if (isHexCode(c)) hexRun++;
    else {
      // a MAC or IPv6 address starts at the hex run before its first separator (or at a leading ::)
      if ((c === 58 || c === 45) && hexsep[hexsep.length - 1] !== i - hexRun && hexRun <= 4 && (hexRun > 0 || text.charCodeAt(i + 1) === 58)) {
        const s = i - hexRun;
        if (s === 0 || !isWordCode(text.charCodeAt(s - 1))) hexsep.push(s);
      }
      hexRun = 0;
    }
    if (isBase64Code(c)) b64Run++;
    else {
      if (b64Run === 40) long.push(i - 40);
      b64Run = 0;
    }
    if (!prevWord) {
      if (c >= 65 && c <= 90) {
        const n = text.charCodeAt(i + 1);
        if ((n >= 65 && n <= 90) || (n >= 48 && n <= 57)) {
          upper.push(i);
          both.push(i);
        }
      }
    }
    prevWord = word;
  }
  if (b64Run === 40) long.push(text.length - 40);
  closeRun();
  return { digit, digitsAhead, upper, both, hexsep, long };
}

/** Ascending positions where one of the lower-case `keywords` starts a word in `lower`. */
function keywordStarts(lower: string, keywords: readonly string[]): number[] {
  const at: number[] = [];
  for (const k of keywords) {
    for (let i = lower.indexOf(k); i !== -1; i = lower.indexOf(k, i + 1)) {
      if (i === 0 || !isWordCode(lower.charCodeAt(i - 1))) at.push(i);
    }
  }
  return at.length > 1 ? at.sort((a, b) => a - b) : at;
}

/** A compiled PII detector. Stateless between calls, so one instance serves concurrent requests. */
export class PiiDetector {
  readonly threshold: number;
  readonly types: ReadonlySet<PiiEntityType>;
  private readonly patterns: readonly Compiled[];
  private readonly custom: readonly CompiledCustomEntity[];

  constructor(opts: PiiDetectorOptions = {}) {
    for (const t of opts.types ?? []) {
      if (!isPiiEntityType(t)) {
        const hint = suggest(String(t), PII_ENTITY_TYPES);
        throw new StrataError('invalid_request', `Unknown PII entity type "${String(t)}"${hint ? `; did you mean ${hint}?` : ''} (types are Bedrock's names, e.g. EMAIL, US_SOCIAL_SECURITY_NUMBER).`);
      }
    }
    this.types = new Set(opts.types ?? PII_ENTITY_TYPES);
    this.threshold = checkThreshold(opts.threshold ?? DEFAULT_PII_THRESHOLD);
    // own regex objects: lastIndex is per-detector state
    this.patterns = ALL_PATTERNS.filter((r) => this.types.has(r.type)).map((r) => ({
      r: { ...r, regex: new RegExp(r.regex.source, r.regex.flags) },
      sticky: r.lead ? new RegExp(r.regex.source, r.regex.flags.replace('g', '') + 'y') : undefined,
    }));
    const custom: readonly (CustomEntityDefinition | CompiledCustomEntity)[] = opts.custom ?? [];
    this.custom = custom.every(isCompiled) ? custom : compileCustomEntities(custom.filter((c): c is CustomEntityDefinition => !isCompiled(c)));
  }

  /** Findings in text order, non-overlapping, each scoring at least `threshold` (default: the detector's). */
  detect(text: string, threshold: number = this.threshold): PiiFinding[] {
    if (threshold !== this.threshold) checkThreshold(threshold);
    const out: PiiFinding[] = [];
    if (text.length === 0) return out;
    const hasDigit = /\d/.test(text);
    const hasColon = text.includes(':');
    const hasUpper = /[A-Z]/.test(text);
    const starts = tokenStarts(text);
    // lower-cased once for keyword and context look-ups by indexOf (same length unless rare Unicode case mappings)
    const lower = text.toLowerCase();
    const sameLength = lower.length === text.length;
    for (const { r, sticky } of this.patterns) {
      if (r.needs === 'digit' && !hasDigit) continue;
      if (r.needs === ':' && !hasColon) continue;
      if (r.needs === 'upper' && !hasUpper) continue;
      // a match that can only pass with a context word: no such word anywhere in the text, nothing to find
      // (only when the threshold is not below what such a recogniser scores without context)
      if (r.needsContext && threshold >= DEFAULT_PII_THRESHOLD && r.raise && !r.raise.stems.some((w) => lower.includes(w))) continue;
      if (r.lead === 'keyword') {
        if (!sameLength) runPattern(r, text, threshold, out);
        else {
          const at = keywordStarts(lower, r.keywords!);
          if (at.length > 0) runPatternAt(r, sticky!, text, at, threshold, out);
        }
      } else if (r.lead === 'digit') runPatternAt(r, sticky!, text, starts.digit, threshold, out, starts.digitsAhead);
      else if (sticky) runPatternAt(r, sticky, text, starts[r.lead as 'upper' | 'both' | 'hexsep' | 'long'], threshold, out);
      else runPattern(r, text, threshold, out);
    }
    if (this.types.has('EMAIL')) scanEmails(text, threshold, out);
    if (this.types.has('NAME') && hasUpper) scanNames(text, threshold, out);
    if (this.types.has('ADDRESS') && hasUpper) scanAddresses(text, threshold, out);
    if (this.custom.length > 0) scanCustom(this.custom, text, threshold, out);
    return resolveOverlaps(out);
  }
}

let defaultDetector: PiiDetector | undefined;

/**
 * Detects PII in `text`. Without types or custom entities it reuses one shared detector; a caller with a fixed
 * configuration (a policy) should build a PiiDetector once instead.
 */
export function detectPii(text: string, opts: PiiDetectorOptions = {}): PiiFinding[] {
  if (opts.types === undefined && opts.custom === undefined) {
    defaultDetector ??= new PiiDetector();
    return defaultDetector.detect(text, opts.threshold ?? DEFAULT_PII_THRESHOLD);
  }
  return new PiiDetector(opts).detect(text);
}
