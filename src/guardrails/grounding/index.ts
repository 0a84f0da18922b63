/** Contextual grounding and relevance of RAG answers: local scoring and an LLM-judge mode. */
export {
  scoreGrounding,
  blocksAt,
  validateGroundingInput,
  validateGroundingThreshold,
  DEFAULT_GROUNDING_THRESHOLD,
  DEFAULT_RELEVANCE_THRESHOLD,
  CLAIM_SUPPORT_THRESHOLD,
  MAX_GROUNDING_INPUT,
  type GroundingInput,
  type GroundingResult,
  type GroundingOptions,
  type ClaimVerdict,
  type GroundingThresholds,
  type GroundingDecision,
} from './score-grounding.js';
export { splitClaims, isNonAnswer } from './claims.js';
export { extractNumbers, extractEntities } from './facts.js';
export { scoreGroundingWithJudge, judgeMessages, type JudgeOptions, type JudgedGroundingResult } from './judge.js';
export { parseJudgeOutput, verdictScore, type JudgeVerdicts } from './judge-output.js';
