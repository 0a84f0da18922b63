import { z } from 'zod';

/**
 * `guardrails.<policy>` in strata.yaml, in the spirit of Bedrock Guardrails: each check has its own action
 * on the input side (before the model) and on the output side (after it). Checks left out are off.
 */

const piiAction = z.enum(['BLOCK', 'ANONYMIZE', 'NONE'], { error: 'expected BLOCK, ANONYMIZE or NONE' });
const blockAction = z.enum(['BLOCK', 'NONE'], { error: 'expected BLOCK or NONE' });
const threshold = z.number({ error: 'expected a number from 0 to 1' }).min(0).max(1);
/** Bedrock's contextual grounding thresholds run from 0 to 0.99. */
const groundingThreshold = z.number({ error: 'expected a number from 0 to 0.99' }).min(0).max(0.99);

const sides = <T extends z.ZodType>(action: T, inputDefault: z.infer<T>, outputDefault: z.infer<T>) => ({
  input: action.default(inputDefault as never),
  output: action.default(outputDefault as never),
});

export const piiEntityConfigSchema = z.strictObject({
  /** a Bedrock PII entity type (EMAIL, NAME, US_SOCIAL_SECURITY_NUMBER …) */
  type: z.string().min(1),
  ...sides(piiAction, 'ANONYMIZE', 'ANONYMIZE'),
});

export const customEntitySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, { error: 'use letters, digits and _ (up to 64), starting with a letter' }),
  /** a JavaScript regular expression; checked at start-up for syntax and catastrophic backtracking */
  pattern: z.string().min(1).max(500),
  flags: z.string().regex(/^[imsu]*$/, { error: 'flags may only be i, m, s or u' }).optional(),
  description: z.string().max(1000).optional(),
  ...sides(piiAction, 'ANONYMIZE', 'ANONYMIZE'),
});

export const piiPolicySchema = z.strictObject({
  /** the types to act on; `all` applies one action pair to every supported type (entries below override it) */
  all: z.strictObject({ ...sides(piiAction, 'ANONYMIZE', 'ANONYMIZE') }).optional(),
  entities: z.array(piiEntityConfigSchema).default([]),
  custom: z.array(customEntitySchema).default([]),
  /** findings below this confidence are ignored */
  threshold: threshold.default(0.5),
  /** ANONYMIZE as numbered pseudonyms per request ({NAME-1}) instead of type tags ({NAME}) */
  pseudonyms: z.boolean().default(false),
});

export const topicSchema = z.strictObject({
  name: z.string().min(1).max(100),
  definition: z.string({ error: 'a topic needs a definition (what the topic covers, up to 200 characters)' }).min(1, { error: 'a topic needs a definition' }).max(200),
  examples: z.array(z.string().min(1).max(100)).max(5, { error: 'at most 5 examples per topic' }).default([]),
});

export const topicPolicySchema = z.strictObject({
  /** deny: listed topics are blocked; allow: only inputs within the listed topics pass (the route's scope) */
  mode: z.enum(['deny', 'allow']).default('deny'),
  topics: z.array(topicSchema).min(1, { error: 'list at least one topic' }),
  threshold: threshold.optional(),
  ...sides(blockAction, 'BLOCK', 'BLOCK'),
});

export const wordPolicySchema = z.strictObject({
  words: z.array(z.string().min(1).max(100)).default([]),
  managedProfanity: z.boolean().default(false),
  ...sides(blockAction, 'BLOCK', 'BLOCK'),
});

export const promptAttackPolicySchema = z.strictObject({
  threshold: threshold.optional(),
  /** user input (jailbreak, injection, prompt leak) */
  input: blockAction.default('BLOCK'),
  /** retrieved documents of a knowledge-base route (indirect injection): BLOCK drops the chunk, NONE records it */
  documents: blockAction.default('BLOCK'),
});

export const groundingPolicySchema = z.strictObject({
  /** block (or annotate) answers whose grounding score is below this */
  grounding: groundingThreshold.optional(),
  relevance: groundingThreshold.optional(),
  /** BLOCK replaces the answer with the blocked message; NONE annotates it with the scores */
  action: blockAction.default('BLOCK'),
  /** a generative model alias to judge claims (LLM-judge mode); default is the local lexical scorer */
  judge: z.string().min(1).optional(),
});

export const bedrockGuardrailSchema = z.strictObject({
  identifier: z.string().min(1),
  version: z.string().regex(/^(DRAFT|[0-9]{1,8})$/, { error: 'a version number or DRAFT' }),
  region: z.string().min(1).optional(),
  endpoint: z.url().optional(),
});

export const guardrailPolicySchema = z.strictObject({
  description: z.string().max(500).optional(),
  /** what a blocked request gets instead of an answer */
  blockedInputMessage: z.string().min(1).max(500).default('Sorry, I cannot help with that request.'),
  /** what replaces a blocked answer */
  blockedOutputMessage: z.string().min(1).max(500).default('Sorry, the answer was withheld by a content policy.'),
  pii: piiPolicySchema.optional(),
  topics: topicPolicySchema.optional(),
  words: wordPolicySchema.optional(),
  promptAttacks: promptAttackPolicySchema.optional(),
  grounding: groundingPolicySchema.optional(),
  /** a managed Bedrock guardrail applied in addition to (or instead of) the local checks */
  bedrock: bedrockGuardrailSchema.optional(),
});

export type GuardrailPolicyConfig = z.infer<typeof guardrailPolicySchema>;

/** The built-in `default` policy: PII ANONYMIZE on every type, prompt attacks BLOCK on input, no topics. */
export function defaultGuardrailPolicy(): GuardrailPolicyConfig {
  return guardrailPolicySchema.parse({
    description: 'Built-in: anonymise every PII type, block prompt attacks in input.',
    pii: { all: { input: 'ANONYMIZE', output: 'ANONYMIZE' } },
    promptAttacks: { input: 'BLOCK', documents: 'BLOCK' },
  });
}
