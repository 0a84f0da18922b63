// Replacing findings in text: {TYPE} tags, or numbered pseudonyms that stay the same for the same value within
// one request so that a model can still tell people (and numbers) apart.
import { StrataError } from '../../core/index.js';
import type { PiiFinding, PiiFindingType } from './types.js';

/** Types whose values are prose (spacing and case vary); the rest are identifiers (separators vary). */
const PROSE_TYPES: ReadonlySet<string> = new Set(['NAME', 'ADDRESS', 'PASSWORD', 'USERNAME']);

/** The form two mentions of one value share: case and whitespace folded; separators dropped from identifiers. */
export function normalisePiiValue(type: PiiFindingType, value: string): string {
  const v = value.toLowerCase().replace(/\s+/g, ' ').trim();
  if (type === 'PASSWORD') return value; // secrets are compared exactly
  return PROSE_TYPES.has(type) ? v.replace(/[.,]/g, '') : v.replace(/[\s\-.()/]/g, '');
}

/**
 * Pseudonyms of one request: the same (type, normalised value) always gets the same {TYPE-n}. Share one table
 * between the input and the output of a request so the answer's mention of a person matches the prompt's.
 * It holds the original values in memory only; never log or persist it.
 */
export class PseudonymTable {
  private readonly byValue = new Map<string, string>();
  private readonly originals = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  /** The pseudonym for `value` of `type`, assigning the next number on first sight. */
  pseudonymFor(type: PiiFindingType, value: string): string {
    const k = `${type}\u0000${normalisePiiValue(type, value)}`;
    let p = this.byValue.get(k);
    if (p === undefined) {
      const n = (this.counters.get(type) ?? 0) + 1;
      this.counters.set(type, n);
      p = `{${type}-${n}}`;
      this.byValue.set(k, p);
      this.originals.set(p, value);
    }
    return p;
  }

  /** How many distinct values have pseudonyms. */
  get size(): number {
    return this.byValue.size;
  }

  /** Puts the original values back in place of this table's pseudonyms (for an answer shown to the data owner). */
  restore(text: string): string {
    if (this.originals.size === 0) return text;
    return text.replace(/\{[A-Za-z][A-Za-z0-9_-]*-\d+\}/g, (p) => this.originals.get(p) ?? p);
  }
}

/** How findings are replaced: `tag` writes {TYPE}; `pseudonym` writes {TYPE-n} from the table. */
export interface RedactOptions {
  mode?: 'tag' | 'pseudonym';
  /** required for consistent numbering across calls; a fresh table is used when omitted */
  pseudonyms?: PseudonymTable;
}

/** Replaces each finding's span of `text`; findings must not overlap (detect() guarantees it). */
export function redactPii(text: string, findings: readonly PiiFinding[], opts: RedactOptions = {}): string {
  if (findings.length === 0) return text;
  const mode = opts.mode ?? 'tag';
  if (mode !== 'tag' && mode !== 'pseudonym') {
    throw new StrataError('invalid_request', `Unknown redaction mode "${String(mode)}": use "tag" or "pseudonym".`);
  }
  const table = mode === 'pseudonym' ? (opts.pseudonyms ?? new PseudonymTable()) : undefined;
  const sorted = findings.every((f, i) => i === 0 || findings[i - 1]!.start <= f.start) ? findings : [...findings].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const f of sorted) {
    if (f.start < at || f.end > text.length || f.start >= f.end) {
      throw new StrataError('invalid_request', 'PII findings overlap or fall outside the text; pass the findings detectPii returned for this text.');
    }
    out += text.slice(at, f.start);
    out += table ? table.pseudonymFor(f.type, text.slice(f.start, f.end)) : `{${f.type}}`;
    at = f.end;
  }
  return out + text.slice(at);
}
