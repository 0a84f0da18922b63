/**
 * Guardrail results in Bedrock ApplyGuardrail's wire shape, so the same JSON serves Strata's
 * `/v1/guardrails/{policy}/apply`, `strata guard --json`, and a managed Bedrock guardrail's answer mapped
 * into ours. Only the fields Strata fills are declared; names follow the AWS API exactly.
 */

export type GuardrailSource = 'INPUT' | 'OUTPUT';
export type GuardrailAction = 'NONE' | 'GUARDRAIL_INTERVENED';

/** What a policy does with a finding, per side. */
export type PiiAction = 'BLOCK' | 'ANONYMIZE' | 'NONE';
export type BlockAction = 'BLOCK' | 'NONE';

/** Bedrock's past-tense action names in assessments. */
export type AssessedPiiAction = 'BLOCKED' | 'ANONYMIZED' | 'NONE';
export type AssessedBlockAction = 'BLOCKED' | 'NONE';

export interface PiiEntityAssessment {
  type: string;
  action: AssessedPiiAction;
  detected: boolean;
  /** the matched text itself: left out of API answers unless asked for, never logged or recorded */
  match?: string;
}

export interface RegexAssessment {
  name: string;
  regex?: string;
  action: AssessedPiiAction;
  detected: boolean;
  match?: string;
}

export interface TopicAssessment {
  name: string;
  type: 'DENY';
  action: AssessedBlockAction;
  detected: boolean;
  /** Strata's own: the detector's score, so thresholds can be tuned */
  score?: number;
}

export interface ContentFilterAssessment {
  /** Strata fills PROMPT_ATTACK (Bedrock also has HATE, INSULTS, SEXUAL, VIOLENCE, MISCONDUCT) */
  type: string;
  confidence: 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';
  action: AssessedBlockAction;
  detected: boolean;
  /** Strata's own: JAILBREAK | PROMPT_INJECTION | PROMPT_LEAK, and the score */
  category?: string;
  score?: number;
}

export interface WordAssessment {
  match?: string;
  action: AssessedBlockAction;
  detected: boolean;
}

export interface ManagedWordAssessment extends WordAssessment {
  type: 'PROFANITY';
}

export interface GroundingFilterAssessment {
  type: 'GROUNDING' | 'RELEVANCE';
  threshold: number;
  score: number;
  action: AssessedBlockAction;
  detected: boolean;
}

export interface GuardrailAssessment {
  topicPolicy?: { topics: TopicAssessment[] };
  contentPolicy?: { filters: ContentFilterAssessment[] };
  wordPolicy?: { customWords: WordAssessment[]; managedWordLists: ManagedWordAssessment[] };
  sensitiveInformationPolicy?: { piiEntities: PiiEntityAssessment[]; regexes: RegexAssessment[] };
  contextualGroundingPolicy?: { filters: GroundingFilterAssessment[] };
  invocationMetrics?: { guardrailProcessingLatency: number; guardrailCoverage?: { textCharacters: { guarded: number; total: number } } };
}

/** ApplyGuardrail's response. */
export interface GuardrailResult {
  action: GuardrailAction;
  /** one output per input text block: the redacted text, or the policy's blocked message */
  outputs: { text: string }[];
  assessments: GuardrailAssessment[];
  /** Strata's own, for records and metrics: which checks intervened and how (never content) */
  interventions: GuardrailIntervention[];
  /** set when the verdict is a block */
  blockedMessage?: string;
}

/** One intervention as recorded and counted: policy, check, entity types, action — never the matched text. */
export interface GuardrailIntervention {
  check: 'pii' | 'regex' | 'topic' | 'word' | 'prompt_attack' | 'grounding' | 'relevance' | 'bedrock';
  action: 'BLOCKED' | 'ANONYMIZED' | 'DETECTED';
  /** entity types, topic names, attack categories … */
  types: string[];
}

/** Removes every `match` field (the sensitive text itself) from assessments, for API answers and logs. */
export function withoutMatches(assessments: GuardrailAssessment[]): GuardrailAssessment[] {
  const strip = <T extends { match?: string }>(items: T[]): T[] =>
    items.map((i) => {
      const { match: _match, ...rest } = i;
      return rest as T;
    });
  return assessments.map((a) => ({
    ...a,
    ...(a.sensitiveInformationPolicy
      ? { sensitiveInformationPolicy: { piiEntities: strip(a.sensitiveInformationPolicy.piiEntities), regexes: strip(a.sensitiveInformationPolicy.regexes) } }
      : {}),
    ...(a.wordPolicy ? { wordPolicy: { customWords: strip(a.wordPolicy.customWords), managedWordLists: strip(a.wordPolicy.managedWordLists) } } : {}),
  }));
}
