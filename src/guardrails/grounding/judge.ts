import { StrataError } from '../../core/index.js';
import { localHashEmbed, type JudgeChatFunction } from '../types.js';
import { splitClaims } from './claims.js';
import { parseJudgeOutput } from './judge-output.js';
import { scoreRelevance, summarizeClaims, validateGroundingInput, type GroundingInput, type GroundingOptions, type GroundingResult } from './score-grounding.js';
import { FACT_CAP, indexSources, scoreClaims } from './support.js';

/**
 * LLM-judge mode: a generative model gives a verdict per claim (the claims come from our splitter, numbered,
 * so verdicts line up), and optionally a relevance score. The numbers-and-entities rule still applies on top
 * of the judge — a claim stating a figure no source contains is capped whatever the judge says — and any claim
 * the judge skipped keeps its local score.
 */

export interface JudgeOptions extends GroundingOptions {
  /** what to do when the judge's answer holds no usable verdict: score locally (default) or throw */
  onMalformed?: 'fallback' | 'error';
}

export interface JudgedGroundingResult extends GroundingResult {
  judge: {
    /** the judge's answer could be read */
    parsed: boolean;
    /** claims that got a verdict from the judge (others kept their local score) */
    verdicts: number;
  };
}

const SYSTEM_PROMPT =
  'You are a strict fact-checking judge. Decide, for each numbered claim, whether the sources support it. ' +
  'A claim is "supported" only if the sources state it (every number and name included), "partial" if only part ' +
  'of it is stated, and "unsupported" otherwise. Use no outside knowledge. Also rate from 0 to 1 how well the ' +
  'claims, taken together, answer the question. Reply with JSON only, no prose, exactly in this shape: ' +
  '{"claims":[{"id":1,"verdict":"supported"}],"relevance":0.9}';

/** The messages sent to the judge model. */
export function judgeMessages(input: GroundingInput, claims: readonly string[]): { role: 'system' | 'user'; content: string }[] {
  const sources = input.sources.map((s, i) => `[${i + 1}] ${s}`).join('\n');
  const numbered = claims.map((c, i) => `${i + 1}. ${c}`).join('\n');
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: `Sources:\n${sources}\n\nQuestion: ${input.question}\n\nClaims:\n${numbered}` },
  ];
}

/** Scores grounding and relevance with a judge model's per-claim verdicts (see the module comment). */
export async function scoreGroundingWithJudge(chat: JudgeChatFunction, input: GroundingInput, opts: JudgeOptions = {}): Promise<JudgedGroundingResult> {
  const valid = validateGroundingInput(input);
  const embed = opts.embed ?? localHashEmbed();
  const { claims } = splitClaims(valid.answer);
  const index = await indexSources(valid.sources, embed);
  const local = await scoreClaims(claims, index, embed);
  const localRelevance = await scoreRelevance(valid.question, claims, embed);
  if (claims.length === 0) {
    return { ...summarizeClaims(claims, local), relevance: localRelevance, method: 'lexical', judge: { parsed: false, verdicts: 0 } };
  }
  const reply = await chat(judgeMessages(valid, claims));
  const verdicts = typeof reply === 'string' ? parseJudgeOutput(reply, claims.length) : undefined;
  if (verdicts === undefined) {
    if (opts.onMalformed === 'error') {
      throw new StrataError('upstream_model_error', 'The grounding judge did not answer with per-claim verdicts in the requested JSON shape.');
    }
    return { ...summarizeClaims(claims, local), relevance: localRelevance, method: 'lexical', judge: { parsed: false, verdicts: 0 } };
  }
  const supports = local.map((s, i) => {
    const judged = verdicts.claims.get(i + 1);
    if (judged === undefined) return s;
    const factsMissing = s.facts.missingNumbers.length + s.facts.missingEntities.length > 0;
    return { ...s, score: factsMissing ? Math.min(judged, FACT_CAP) : judged };
  });
  return {
    ...summarizeClaims(claims, supports),
    relevance: verdicts.relevance ?? localRelevance,
    method: 'judge',
    judge: { parsed: true, verdicts: verdicts.claims.size },
  };
}
