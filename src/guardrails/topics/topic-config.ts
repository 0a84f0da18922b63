import { StrataError } from '../../core/index.js';

/** Bedrock Guardrails' limits for a topic, kept so a policy written here also fits a managed guardrail. */
export const TOPIC_LIMITS = { name: 100, definition: 200, example: 100, examples: 5, topics: 30 } as const;

/** A topic: what it is (definition) and up to five sample inputs that belong to it. */
export interface Topic {
  name: string;
  definition: string;
  examples?: string[];
}

/** deny: matching inputs are blocked; allow: only inputs matching one of the topics pass (the route's scope). */
export type TopicMode = 'deny' | 'allow';

function invalid(message: string, details: Record<string, unknown> = {}): StrataError {
  return new StrataError('config_invalid', message, { details });
}

function text(value: unknown, what: string, limit: number): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw invalid(`${what} is missing; give a non-empty text.`);
  const t = value.trim();
  if (t.length > limit) throw invalid(`${what} is ${t.length} characters; the limit is ${limit}.`, { length: t.length, limit });
  return t;
}

/** Checks topics against Bedrock's limits and returns them trimmed; throws StrataError('config_invalid'). */
export function validateTopics(topics: unknown): Topic[] {
  if (!Array.isArray(topics) || topics.length === 0) throw invalid('Topics: give a non-empty list of topics.');
  if (topics.length > TOPIC_LIMITS.topics) throw invalid(`Topics: at most ${TOPIC_LIMITS.topics} topics per policy; got ${topics.length}.`);
  const seen = new Set<string>();
  return topics.map((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) throw invalid(`Topics: topics[${i}] must be an object with name and definition.`);
    const t = raw as Record<string, unknown>;
    const name = text(t.name, `Topic ${i + 1}: name`, TOPIC_LIMITS.name);
    if (seen.has(name.toLowerCase())) throw invalid(`Topic "${name}" is listed twice; topic names must be unique.`);
    seen.add(name.toLowerCase());
    const definition = text(t.definition, `Topic "${name}": definition`, TOPIC_LIMITS.definition);
    let examples: string[] = [];
    if (t.examples !== undefined) {
      if (!Array.isArray(t.examples)) throw invalid(`Topic "${name}": examples must be a list of strings.`);
      if (t.examples.length > TOPIC_LIMITS.examples) {
        throw invalid(`Topic "${name}": at most ${TOPIC_LIMITS.examples} examples; got ${t.examples.length}.`, { count: t.examples.length });
      }
      examples = t.examples.map((e: unknown, k) => text(e, `Topic "${name}": example ${k + 1}`, TOPIC_LIMITS.example));
    }
    return { name, definition, examples };
  });
}
