import type { GuardrailTrace } from '../../gateway/index.js';

/**
 * What retrieve-and-generate needs from guardrail policies, as a structural interface: rag and guardrails are
 * siblings, so rag does not import guardrails; strata.ts adapts the guardrail registry to this.
 */

/** One check's verdict on a text. */
export interface AnswerGuardVerdict {
  /** the text to go on with: the masked text when the policy anonymised something, else the text as given */
  text: string;
  /** set when the policy blocks: what the caller gets instead */
  blockedMessage?: string;
}

/**
 * A guardrail policy applied to one retrieve-and-generate request: one pseudonym table shared by the question
 * and the answer, one trace that collects every intervention (recorded and counted, never the matched text).
 */
export interface AnswerGuard {
  readonly policy: string;
  /** what the policy did so far; it goes on the invocation record of the answer's generation call */
  readonly trace: GuardrailTrace;
  /** The policy's INPUT side on the user's question. */
  checkQuestion(question: string): Promise<AnswerGuardVerdict>;
  /** Screens retrieved passages for indirect prompt injection (promptAttacks.documents): false = leave it out. */
  screenPassages(passages: readonly string[]): boolean[];
  /** The policy's OUTPUT side on the answer, grounded against the passages the model was shown and the question. */
  checkAnswer(answer: string, grounding: { sources: readonly string[]; question: string }): Promise<AnswerGuardVerdict>;
}

/** The guardrail policies a server has (strata.yaml `guardrails:` plus the built-in `default`). */
export interface AnswerGuardrails {
  /** every policy name, sorted */
  names(): string[];
  /** A guard for one request; throws not_found for an unknown policy. */
  open(policy: string, opts?: { signal?: AbortSignal }): AnswerGuard;
}

/** Bedrock RetrieveAndGenerate's `guardrailAction` for a trace: INTERVENED once a check blocked or masked something. */
export function guardrailActionOf(trace: GuardrailTrace): 'INTERVENED' | 'NONE' {
  return trace.action === 'GUARDRAIL_INTERVENED' ? 'INTERVENED' : 'NONE';
}
