/** Prompt-attack detection (jailbreak, prompt injection, prompt leak) in user input and retrieved documents. */
export {
  detectPromptAttack,
  detectInDocuments,
  DEFAULT_ATTACK_THRESHOLD,
  ATTACK_CATEGORIES,
  type AttackSource,
  type PromptAttackOptions,
  type PromptAttackResult,
} from './prompt-attack-detector.js';
export { normalizeForAttacks, type NormalizedText } from './normalize.js';
export type { AttackCategory } from './signals.js';
