// The PII detector: built-in recognisers for the 31 Bedrock entity types, custom regex entities, one threshold,
// and overlap resolution. Compile once (per policy) and call detect() per text.
import { StrataError, suggest } from '../../core/index.js';
import { scanAddresses } from './addresses.js';
import { compileCustomEntities, scanCustom, type CompiledCustomEntity } from './custom.js';
import { scanNames } from './names.js';
import { resolveOverlaps } from './overlap.js';
import { LiteralTable } from './literals.js';
import type { PatternRecognizer } from './recognizer.js';
import { FINANCIAL_RECOGNIZERS } from './recognizers-financial.js';
import { NATIONAL_RECOGNIZERS } from './recognizers-national.js';
import { NETWORK_RECOGNIZERS, scanEmails } from './recognizers-network.js';
import { PERSONAL_RECOGNIZERS } from './recognizers-personal.js';
import { TokenDispatch, compileRecognizer, registerLiterals, runAt, runGlobal, stemPositions, type CompiledRecognizer } from './run.js';
import { TOKEN_DIGIT, scanText, type TextScan } from './text-scan.js';
import {
  DEFAULT_PII_THRESHOLD, PII_ENTITY_TYPES, isPiiEntityType,
  type CustomEntityDefinition, type PiiEntityType, type PiiFinding,
} from './types.js';

const ALL_PATTERNS: readonly PatternRecognizer[] = [
  ...FINANCIAL_RECOGNIZERS, ...NATIONAL_RECOGNIZERS, ...NETWORK_RECOGNIZERS, ...PERSONAL_RECOGNIZERS,
];

// one literal table for every built-in recogniser: a detector restricted to some types ignores the other sinks
const LITERALS = new LiteralTable();
const SINKS = registerLiterals(ALL_PATTERNS, LITERALS);

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

const STREET_AFTER_NUMBER = /^[A-Z,\s-]$/;

/** Word starts of runs of one to six digits: where a street line's house number can start. */
function numberStarts(scan: TextScan): number[] {
  const at: number[] = [];
  for (let i = 0; i < scan.tokPos.length; i++) {
    // the number is followed by a letter, '-', ',' or whitespace
    if (scan.tokKind[i] === TOKEN_DIGIT && scan.tokRun[i]! <= 6 && STREET_AFTER_NUMBER.test(String.fromCharCode(scan.tokAfter[i]!))) at.push(scan.tokPos[i]!);
  }
  return at;
}

/** A compiled PII detector. Stateless between calls, so one instance serves concurrent requests. */
export class PiiDetector {
  readonly threshold: number;
  readonly types: ReadonlySet<PiiEntityType>;
  private readonly patterns: readonly CompiledRecognizer[];
  private readonly dispatch: TokenDispatch;
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
    this.patterns = ALL_PATTERNS.filter((r) => this.types.has(r.type)).map((r) => compileRecognizer(r, SINKS));
    this.dispatch = new TokenDispatch(this.patterns);
    const custom: readonly (CustomEntityDefinition | CompiledCustomEntity)[] = opts.custom ?? [];
    this.custom = custom.every(isCompiled) ? custom : compileCustomEntities(custom.filter((c): c is CustomEntityDefinition => !isCompiled(c)));
  }

  /** Findings in text order, non-overlapping, each scoring at least `threshold` (default: the detector's). */
  detect(text: string, threshold: number = this.threshold): PiiFinding[] {
    if (threshold !== this.threshold) checkThreshold(threshold);
    const out: PiiFinding[] = [];
    if (text.length === 0) return out;
    const scan = scanText(text, LITERALS);
    const { lower, indexed } = scan;
    const patterns = this.patterns;
    const active = patterns.map((c) => {
      const r = c.r;
      if (r.needs === 'digit' && !scan.hasDigit) return false;
      if (r.needs === ':' && !scan.hasColon) return false;
      if (r.needs === 'upper' && !scan.hasUpper) return false;
      // a match that can only pass with a context word: no such word anywhere in the text, nothing to find
      // (only when the threshold is not below what such a recogniser scores without context)
      if (r.needsContext && threshold >= DEFAULT_PII_THRESHOLD && r.raise) {
        return indexed ? scan.sinks[c.raiseSink] !== undefined : r.raise.stems.some((w) => lower.includes(w));
      }
      return true;
    });
    const fromTokens = new Array<PiiFinding[] | undefined>(patterns.length);
    this.dispatch.run(text, scan, threshold, active, fromTokens);
    // findings are gathered in recogniser order: overlap resolution breaks exact ties by it
    for (let i = 0; i < patterns.length; i++) {
      if (!active[i]) continue;
      const c = patterns[i]!;
      const r = c.r;
      switch (r.lead) {
        case 'keyword':
          if (!indexed) runGlobal(c, text, threshold, out);
          else {
            const at = scan.sinks[c.keywordSink];
            if (at !== undefined) runAt(c, text, at, threshold, out, stemPositions(c, scan));
          }
          break;
        case 'digit': case 'upper': case 'both':
          for (const f of fromTokens[i] ?? []) out.push(f);
          break;
        case 'hexsep': case 'macsep': case 'long': case 'at':
          runAt(c, text, scan[r.lead], threshold, out, stemPositions(c, scan));
          break;
        default:
          runGlobal(c, text, threshold, out, stemPositions(c, scan));
      }
    }
    if (this.types.has('EMAIL')) scanEmails(text, threshold, out);
    if (this.types.has('NAME') && scan.hasUpper) scanNames(text, threshold, out);
    if (this.types.has('ADDRESS') && scan.hasUpper) scanAddresses(text, threshold, out, undefined, numberStarts(scan));
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
