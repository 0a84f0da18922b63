/** Answers from knowledge bases: retrieve (+ rerank), the answer prompt, cited answers, sessions, the RAG route step, guardrail policies on answers. */
export { retrieveAndGenerate, DEFAULT_ANSWER_MODEL, type AnswerDeps, type AnswerSettings } from './answer.js';
export { citeAnswer, stripCitationMarkers, LEXICAL_SUPPORT_THRESHOLD } from './citations.js';
export { splitAnswerParts, type TextPart } from './parts.js';
export {
  buildAnswerPrompt,
  renderBedrockTemplate,
  formatSearchResults,
  BUNDLED_RAG_PROMPT,
  BUNDLED_PROMPT_REF,
  RAG_PROMPT_VARIABLES,
  type AnswerPrompt,
  type BuildAnswerPromptOptions,
  type ConversationTurn,
} from './prompt.js';
export { bestRelevance, NO_RELEVANT_INFORMATION } from './relevance.js';
export { retrieveWithRerank, candidatePool, type SearchFn } from './retrieve.js';
export { standaloneQuestion, concatenateWithPrevious, isGenerative, type ChatGateway, type RewriteOptions } from './rewrite.js';
export { MemorySessionStore, type SessionStore, type SessionStoreOptions } from './sessions.js';
export { DatabaseSessionStore } from './db-sessions.js';
export { createKnowledgeBaseRouteStep, routeRerank, type RouteKnowledgeBase, type KnowledgeBaseStepDeps } from './route-step.js';
export { guardrailActionOf, type AnswerGuard, type AnswerGuardrails, type AnswerGuardVerdict } from './guard.js';
export { GuardedGenerations, type GuardedCall } from './guard-step.js';
