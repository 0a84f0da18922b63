import { StrataError } from '../../core/index.js';
import { analyzeTerms } from '../../providers/local/index.js';
import { cosine, localHashEmbed, type EmbedFunction } from '../types.js';
import { DEFAULT_LEXICAL_SCALE, buildTopicCues, lexicalScore, type TopicCues } from './lexical-cues.js';
import { validateTopics, type Topic, type TopicMode } from './topic-config.js';
import { textWindows } from './windows.js';

/**
 * Denied topics and allowed scope. A window of the input (see textWindows) scores against a topic as
 *
 *   score = 1 - (1 - s)(1 - l),  s = clamp((cos - SIM_FLOOR) / (SIM_CEIL - SIM_FLOOR)),  l = lexical cue score
 *
 * where cos is the best cosine between the window and the topic's definition or any example. The noisy-or lets
 * either signal alone reach the threshold when it is strong, and lets two moderate signals add up. The topic's
 * score is its best window's. SIM_FLOOR/SIM_CEIL are set for `local/hash-embed`, whose cosines for unrelated
 * text sit near 0.05 and for close paraphrases 0.3–0.6; a neural embedder scores higher on both, which is
 * why the floor and ceiling are options.
 */

/** Default decision threshold; chosen on src/guardrails/topics/data/labelled.jsonl (see the test's sweep). */
export const DEFAULT_TOPIC_THRESHOLD = 0.6;
export const DEFAULT_SIM_FLOOR = 0.1;
export const DEFAULT_SIM_CEIL = 0.65;

export interface TopicDetectorOptions {
  topics: readonly Topic[];
  /** deny (default): block inputs matching a topic; allow: block inputs that match none */
  mode?: TopicMode;
  /** score at or above which a topic matches, in (0, 1) */
  threshold?: number;
  /** embedder for definitions, examples and input windows; default local/hash-embed */
  embed?: EmbedFunction;
  /** cosine treated as no similarity (default 0.1, for local/hash-embed) */
  simFloor?: number;
  /** cosine treated as full similarity (default 0.65, for local/hash-embed) */
  simCeil?: number;
  /** matched lexical-cue weight at which the lexical score reaches 0.63 (default 2: about two distinctive terms) */
  lexicalScale?: number;
}

export interface TopicMatch {
  name: string;
  /** best window score in [0, 1] */
  score: number;
}

export interface TopicCheck {
  /** topics at or above the threshold, best first */
  matched: TopicMatch[];
  /** deny mode: some topic matched; allow mode: no topic matched (an empty input passes) */
  blocked: boolean;
  /** every topic's score, in configuration order (for tuning thresholds) */
  scores: TopicMatch[];
}

interface CompiledTopic {
  name: string;
  vectors: Float32Array[];
  cues: TopicCues;
}

function checkUnit(value: number | undefined, what: string, fallback: number, lo = 0, hi = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= lo || value >= hi) {
    throw new StrataError('config_invalid', `Topics: ${what} must be a number between ${lo} and ${hi} (exclusive); got ${String(value)}.`);
  }
  return value;
}

/** Compiled topic checks; create once per policy, then call check() per input. */
export class TopicDetector {
  private constructor(
    private readonly topics: CompiledTopic[],
    readonly mode: TopicMode,
    readonly threshold: number,
    private readonly embed: EmbedFunction,
    private readonly simFloor: number,
    private readonly simCeil: number,
    private readonly lexicalScale: number,
  ) {}

  /** Validates the topics and embeds their definitions and examples; throws StrataError('config_invalid'). */
  static async create(opts: TopicDetectorOptions): Promise<TopicDetector> {
    const topics = validateTopics(opts.topics);
    const mode = opts.mode ?? 'deny';
    if (mode !== 'deny' && mode !== 'allow') throw new StrataError('config_invalid', `Topics: mode must be "deny" or "allow"; got "${String(mode)}".`);
    const threshold = checkUnit(opts.threshold, 'threshold', DEFAULT_TOPIC_THRESHOLD);
    const simFloor = checkUnit(opts.simFloor, 'simFloor', DEFAULT_SIM_FLOOR, -1, 1);
    const simCeil = checkUnit(opts.simCeil, 'simCeil', DEFAULT_SIM_CEIL, simFloor, 1.000001);
    const lexicalScale = checkUnit(opts.lexicalScale, 'lexicalScale', DEFAULT_LEXICAL_SCALE, 0, 100);
    const embed = opts.embed ?? localHashEmbed();
    const texts = topics.flatMap((t) => [t.definition, ...(t.examples ?? [])]);
    const vectors = await embed(texts, 'query');
    if (vectors.length !== texts.length) throw new StrataError('internal', 'The embedder returned a different number of vectors than texts.');
    const cues = buildTopicCues(topics);
    let at = 0;
    const compiled = topics.map((t, i) => {
      const n = 1 + (t.examples?.length ?? 0);
      const c = { name: t.name, vectors: vectors.slice(at, at + n), cues: cues[i]! };
      at += n;
      return c;
    });
    return new TopicDetector(compiled, mode, threshold, embed, simFloor, simCeil, lexicalScale);
  }

  /** Topic names in configuration order. */
  get topicNames(): string[] {
    return this.topics.map((t) => t.name);
  }

  /** Scores the text against every topic and decides by the mode. */
  async check(text: string): Promise<TopicCheck> {
    const windows = textWindows(text);
    if (windows.length === 0) return { matched: [], blocked: false, scores: this.topics.map((t) => ({ name: t.name, score: 0 })) };
    const vectors = await this.embed(windows, 'query');
    const terms = windows.map((w) => new Set(analyzeTerms(w)));
    const span = this.simCeil - this.simFloor;
    const scores = this.topics.map((t) => {
      let best = 0;
      for (let w = 0; w < windows.length; w++) {
        let cos = 0;
        for (const v of t.vectors) cos = Math.max(cos, cosine(vectors[w]!, v));
        const s = Math.min(1, Math.max(0, (cos - this.simFloor) / span));
        const l = lexicalScore(t.cues, terms[w]!, this.lexicalScale);
        best = Math.max(best, 1 - (1 - s) * (1 - l));
      }
      return { name: t.name, score: Math.round(best * 1e4) / 1e4 };
    });
    const matched = scores.filter((s) => s.score >= this.threshold).sort((a, b) => b.score - a.score);
    const blocked = this.mode === 'deny' ? matched.length > 0 : matched.length === 0;
    return { matched, blocked, scores };
  }
}
