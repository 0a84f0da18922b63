import { StrataError } from '../../core/index.js';
import { normalizeForAttacks } from './normalize.js';
import { META_DISCUSSION, SIGNALS, type AttackCategory, type AttackSignal } from './signals.js';

/**
 * A scored prompt-attack detector (jailbreak, prompt injection, prompt leak) built from weighted signals, not
 * a trained classifier. Per category the fired signals combine by noisy-or (1 - Π(1 - w)), so one strong
 * signal or several weak ones reach the threshold; the text's score is its highest category's.
 *
 * Two sources: `user` input, and `document` — a retrieved chunk, where text that speaks to the model and gives
 * it instructions is suspicious even when phrased mildly (indirect injection), so signals weigh more there.
 */

export type AttackSource = 'user' | 'document';

/** Default decision threshold; chosen on the dev half of the labelled set (see bench/guard-attacks.ts). */
export const DEFAULT_ATTACK_THRESHOLD = 0.5;

export const ATTACK_CATEGORIES: readonly AttackCategory[] = ['JAILBREAK', 'PROMPT_INJECTION', 'PROMPT_LEAK'];

export interface PromptAttackOptions {
  /** where the text came from (default user) */
  source?: AttackSource;
  /** score at or above which the text is an attack, in (0, 1) */
  threshold?: number;
}

export interface PromptAttackResult {
  /** highest category score, in [0, 1] */
  score: number;
  /** the highest-scoring category, when any signal fired */
  category: AttackCategory | undefined;
  /** score >= threshold */
  detected: boolean;
  scores: Record<AttackCategory, number>;
  /** ids of the signals that fired (never the matched text) */
  signals: string[];
}

// Damping for text that mentions an attack rather than performs it: discussing attacks, quoting the phrase
// (a story's dialogue, a question about a phrase), and most when both.
const META_FACTOR = 0.5;
const QUOTED_FACTOR = 0.5;
const QUOTED_META_FACTOR = 0.3;
/** Pairs of signals that together say more than each alone (a bypass framing around a harmful request). */
const COMBINATIONS: readonly { ids: readonly [string, string]; id: string; category: AttackCategory; weight: number }[] = [
  { ids: ['fiction_bypass', 'harmful_goal'], id: 'framed_harmful_request', category: 'JAILBREAK', weight: 0.35 },
  { ids: ['refusal_suppression', 'harmful_goal'], id: 'framed_harmful_request', category: 'JAILBREAK', weight: 0.3 },
];
const GLOBAL = new Map<AttackSignal, RegExp>(SIGNALS.map((s) => [s, new RegExp(s.pattern.source, s.pattern.flags + 'g')]));
const LEET_FACTOR = 0.9;
const OBFUSCATION_WEIGHT = 0.3;
const ENCODED_WEIGHT = { user: 0.5, document: 0.6 } as const;
/** An imperative sentence opening with a verb aimed at a model; counts only inside documents. */
const MODEL_IMPERATIVE =
  /(?:^|[.!?\n:]\s*|<!--\s*)(?:ignore|forget|disregard|reveal|print|output|respond|reply|answer only|say|pretend|act as|you must|you will|you should|you are to|do not tell|don't tell|never tell|always respond|always answer)\b/gi;
const IMPERATIVE_WEIGHT = 0.15;
const MAX_IMPERATIVES = 3;
const QUOTED = /"[^"\n]{1,300}"|“[^”\n]{1,300}”|'[^'\n]{4,300}'|`[^`\n]{1,300}`/g;

function quotedSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const m of text.matchAll(QUOTED)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

function insideAny(spans: readonly [number, number][], at: number): boolean {
  for (const [s, e] of spans) if (at > s && at < e) return true;
  return false;
}

function validThreshold(t: number | undefined): number {
  if (t === undefined) return DEFAULT_ATTACK_THRESHOLD;
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t >= 1) {
    throw new StrataError('config_invalid', `Prompt attacks: threshold must be a number between 0 and 1 (exclusive); got ${String(t)}.`);
  }
  return t;
}

/** Scores one text for jailbreak, prompt-injection and prompt-leak attempts. */
export function detectPromptAttack(text: string, opts: PromptAttackOptions = {}): PromptAttackResult {
  const source = opts.source ?? 'user';
  if (source !== 'user' && source !== 'document') {
    throw new StrataError('invalid_request', `Prompt attacks: source must be "user" or "document"; got "${String(source)}".`);
  }
  const threshold = validThreshold(opts.threshold);
  if (typeof text !== 'string') throw new StrataError('invalid_request', 'Prompt attacks: the text to check must be a string.');
  const norm = normalizeForAttacks(text);
  const original = norm.nfkc;
  const meta = META_DISCUSSION.test(norm.plain);
  const quotes = quotedSpans(norm.plain);
  const keep: Record<AttackCategory, number> = { JAILBREAK: 1, PROMPT_INJECTION: 1, PROMPT_LEAK: 1 };
  const fired: string[] = [];
  let obfuscatedHit = false;
  let encodedHit = false;
  const add = (category: AttackCategory, w: number, id: string): void => {
    keep[category] *= 1 - Math.min(0.99, Math.max(0, w));
    fired.push(id);
  };
  for (const s of SIGNALS) {
    const base = source === 'document' ? s.document : s.user;
    const m = s.pattern.exec(s.caseSensitive ? original : norm.plain);
    if (m) {
      const quoted = !s.caseSensitive && insideAny(quotes, m.index);
      const factor = meta ? (quoted ? QUOTED_META_FACTOR : META_FACTOR) : quoted ? QUOTED_FACTOR : 1;
      add(s.category, base * factor, s.id);
      if (s.repeats !== undefined && s.repeats > 1) {
        const extra = Math.min(s.repeats, [...norm.plain.matchAll(GLOBAL.get(s)!)].length) - 1;
        for (let i = 0; i < extra; i++) add(s.category, base * factor, s.id);
      }
      continue;
    }
    if (norm.leet !== norm.plain && s.pattern.test(norm.leet)) {
      add(s.category, base * LEET_FACTOR * (meta ? META_FACTOR : 1), s.id);
      obfuscatedHit = true;
      continue;
    }
    for (const d of norm.decoded) {
      if (s.pattern.test(d)) {
        add(s.category, base, s.id);
        encodedHit = true;
        break;
      }
    }
  }
  for (const c of COMBINATIONS) if (fired.includes(c.ids[0]) && fired.includes(c.ids[1])) add(c.category, c.weight, c.id);
  if (source === 'document') {
    const n = Math.min(MAX_IMPERATIVES, [...norm.plain.matchAll(MODEL_IMPERATIVE)].length);
    for (let i = 0; i < n; i++) add('PROMPT_INJECTION', IMPERATIVE_WEIGHT, 'model_imperative');
  }
  const strongest = (): AttackCategory =>
    ATTACK_CATEGORIES.reduce((best, c) => (keep[c] < keep[best] ? c : best), ATTACK_CATEGORIES[0]!);
  if (fired.length > 0 && (obfuscatedHit || norm.obfuscated)) add(strongest(), OBFUSCATION_WEIGHT, 'obfuscation');
  if (encodedHit) add('PROMPT_INJECTION', ENCODED_WEIGHT[source], 'encoded_payload');
  const scores = {
    JAILBREAK: round(1 - keep.JAILBREAK),
    PROMPT_INJECTION: round(1 - keep.PROMPT_INJECTION),
    PROMPT_LEAK: round(1 - keep.PROMPT_LEAK),
  };
  const category = fired.length > 0 ? strongest() : undefined;
  const score = category === undefined ? 0 : scores[category];
  return { score, category, detected: score >= threshold, scores, signals: [...new Set(fired)] };
}

/** Scores retrieved chunks as documents (indirect injection); one result per chunk, in order. */
export function detectInDocuments(chunks: readonly string[], opts: Omit<PromptAttackOptions, 'source'> = {}): PromptAttackResult[] {
  return chunks.map((c) => detectPromptAttack(c, { ...opts, source: 'document' }));
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
