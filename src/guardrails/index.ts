/** Guardrails: PII, denied topics, word filters, prompt attacks, grounding; named policies over them; the Bedrock adapter. */
export * from './assessment.js';
export { GuardrailPolicy, type PolicyDeps, type ApplyOptions, type DocumentScreening } from './policy.js';
export { createGuardrailStep, groundingBlocks, type GuardrailStepDeps } from './step.js';
export { guardStream, type StreamGuardOptions } from './stream-guard.js';
export { SentenceSegmenter } from './sentence-segmenter.js';
export { newGuardrailTrace, addInterventions, groundingScores } from './trace.js';
export { GuardrailRegistry } from './registry.js';
export { parseApplyGuardrailRequest, applyGuardrailResponse, MAX_APPLY_BLOCKS, type ApplyGuardrailRequest, type ApplyGuardrailResponse, type GuardrailUsage } from './apply-wire.js';
export { applyBedrockGuardrail, mapBedrockGuardrailResponse, interventionsOf, type BedrockGuardrailRef, type BedrockGuardrailOutcome, type GuardrailTextBlock } from './bedrock/adapter.js';
export { PseudonymTable, PiiStreamRedactor, PiiDetector, PII_ENTITY_TYPES, isPiiEntityType, detectPii, redactPii, type PiiEntityType, type PiiFinding } from './pii/index.js';
export { WordFilter, type WordMatch } from './words/index.js';
export { embedFunctionFor, localHashEmbed, type EmbedFunction, type JudgeChatFunction } from './types.js';
export { detectPromptAttack, detectInDocuments } from './attacks/index.js';
