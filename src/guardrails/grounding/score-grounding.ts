import { StrataError } from '../../core/index.js';
import { localHashEmbed, type EmbedFunction } from '../types.js';
import { splitClaims } from './claims.js';
import { NON_ANSWER_RELEVANCE, relevanceScore } from './relevance.js';
import { indexSources, scoreClaims, type ClaimSupport } from './support.js';

/**
 * Contextual grounding and relevance of a RAG answer, in Bedrock's terms: a grounding score (the answer's
 * claims supported by the sources) and a relevance score (the answer addresses the question), each in [0, 1],
 * blocked below a threshold in 0–0.99.
 */

/** Defaults chosen on src/guardrails/grounding/data/labelled.jsonl (see bench/guard-grounding.ts). */
export const DEFAULT_GROUNDING_THRESHOLD = 0.6;
export const DEFAULT_RELEVANCE_THRESHOLD = 0.4;
/** A claim scoring at least this is supported. */
export const CLAIM_SUPPORT_THRESHOLD = 0.5;
/** Longest input accepted per field, in characters: bounds the work of one check. */
export const MAX_GROUNDING_INPUT = 200_000;

export interface GroundingInput {
  sources: string[];
  question: string;
  answer: string;
}

export interface ClaimVerdict {
  text: string;
  supported: boolean;
  score: number;
  /** numbers in the claim found in no source */
  missingNumbers?: string[];
  /** named entities in the claim found in no source */
  missingEntities?: string[];
}

export interface GroundingResult {
  /** mean claim support in [0, 1]; 1 when the answer makes no factual claim */
  grounding: number;
  relevance: number;
  claims: ClaimVerdict[];
  method: 'lexical' | 'judge';
}

export interface GroundingOptions {
  /** embedder for claims, sources, question and answer; default local/hash-embed */
  embed?: EmbedFunction;
}

/** Validates a grounding input; throws StrataError('invalid_request') with what to fix. */
export function validateGroundingInput(input: unknown): GroundingInput {
  const bad = (message: string): StrataError => new StrataError('invalid_request', `Grounding check: ${message}`);
  if (typeof input !== 'object' || input === null) throw bad('give { sources, question, answer }.');
  const { sources, question, answer } = input as Record<string, unknown>;
  if (!Array.isArray(sources) || sources.some((s) => typeof s !== 'string')) throw bad('sources must be a list of strings.');
  if (typeof question !== 'string') throw bad('question must be a string.');
  if (typeof answer !== 'string') throw bad('answer must be a string.');
  const size = (sources as string[]).reduce((n, s) => n + s.length, 0);
  if (size > MAX_GROUNDING_INPUT || question.length > MAX_GROUNDING_INPUT || answer.length > MAX_GROUNDING_INPUT) {
    throw bad(`sources, question and answer are limited to ${MAX_GROUNDING_INPUT} characters each.`);
  }
  return { sources: sources as string[], question, answer };
}

/** Checks a threshold is in Bedrock's range, 0 to 0.99; throws StrataError('config_invalid'). */
export function validateGroundingThreshold(value: unknown, what = 'threshold'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 0.99) {
    throw new StrataError('config_invalid', `Contextual grounding: ${what} must be a number from 0 to 0.99; got ${String(value)}.`);
  }
  return value;
}

/** Turns per-claim supports into verdicts and the overall grounding score. */
export function summarizeClaims(claims: readonly string[], supports: readonly ClaimSupport[]): { grounding: number; claims: ClaimVerdict[] } {
  const verdicts = claims.map((text, i) => {
    const s = supports[i]!;
    const v: ClaimVerdict = { text, supported: s.score >= CLAIM_SUPPORT_THRESHOLD, score: s.score };
    if (s.facts.missingNumbers.length > 0) v.missingNumbers = s.facts.missingNumbers;
    if (s.facts.missingEntities.length > 0) v.missingEntities = s.facts.missingEntities;
    return v;
  });
  const grounding = verdicts.length === 0 ? 1 : verdicts.reduce((a, v) => a + v.score, 0) / verdicts.length;
  return { grounding: Math.round(grounding * 1e4) / 1e4, claims: verdicts };
}

/** Relevance of the answer's claims to the question (low for an answer that only declines). */
export async function scoreRelevance(question: string, claims: readonly string[], embed: EmbedFunction): Promise<number> {
  if (claims.length === 0) return NON_ANSWER_RELEVANCE;
  const text = claims.join(' ');
  const [q, a] = await embed([question, text], 'query');
  return relevanceScore(question, text, q!, a!);
}

/** Scores grounding and relevance locally (lexical coverage, embeddings, the numbers-and-entities rule). */
export async function scoreGrounding(input: GroundingInput, opts: GroundingOptions = {}): Promise<GroundingResult> {
  const { sources, question, answer } = validateGroundingInput(input);
  const embed = opts.embed ?? localHashEmbed();
  const { claims } = splitClaims(answer);
  const index = await indexSources(sources, embed);
  const supports = await scoreClaims(claims, index, embed);
  const summary = summarizeClaims(claims, supports);
  const relevance = await scoreRelevance(question, claims, embed);
  return { ...summary, relevance, method: 'lexical' };
}

export interface GroundingThresholds {
  /** block when grounding is below this (0–0.99) */
  grounding?: number;
  /** block when relevance is below this (0–0.99) */
  relevance?: number;
}

export interface GroundingDecision {
  grounding: boolean;
  relevance: boolean;
  /** either check blocks */
  blocked: boolean;
}

/** Which checks block a result at the given thresholds (a check without a threshold never blocks). */
export function blocksAt(result: Pick<GroundingResult, 'grounding' | 'relevance'>, thresholds: GroundingThresholds): GroundingDecision {
  const g = thresholds.grounding === undefined ? undefined : validateGroundingThreshold(thresholds.grounding, 'grounding threshold');
  const r = thresholds.relevance === undefined ? undefined : validateGroundingThreshold(thresholds.relevance, 'relevance threshold');
  const grounding = g !== undefined && result.grounding < g;
  const relevance = r !== undefined && result.relevance < r;
  return { grounding, relevance, blocked: grounding || relevance };
}
