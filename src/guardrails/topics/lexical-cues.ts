import { analyzeTerms } from '../../providers/local/index.js';

/**
 * Distinctive terms of a topic, weighted. Without a background corpus, inverse document frequency is
 * approximated in two ways: terms shared by several topics of the policy lose weight (log-IDF over the
 * topics), and words that are common in any request ("question", "help", "want", "information") are damped.
 * A term that recurs across a topic's definition and examples is a core cue and gains weight.
 */

const GENERIC_WEIGHT = 0.2;
/** Sum of matched cue weights at which the lexical score is 1 - 1/e (~0.63). */
export const DEFAULT_LEXICAL_SCALE = 2;

const GENERIC: ReadonlySet<string> = new Set(
  analyzeTerms(
    'question questions ask asking answer help helping want need needs get got make making know think thing things way ' +
    'like best good better new time times year years day days today now people person someone something anything ' +
    'information info advice guidance recommendation recommendations recommending regarding related relating refer refers ' +
    'inquiry inquiries topic topics discuss discussion including include includes provide providing give giving ' +
    'specific general various other others many much lot use using used work working go going take taking see look ' +
    'say said tell show find issue issues problem problems case cases kind type types part well right really ' +
    'could should would whether which what how why when where who mean means their them they one two first last',
  ),
);

export interface TopicCues {
  /** term → weight */
  weights: Map<string, number>;
}

/** Builds weighted lexical cues for each topic from its name, definition and examples. */
export function buildTopicCues(topics: readonly { name: string; definition: string; examples?: readonly string[] }[]): TopicCues[] {
  const perTopic = topics.map((t) => {
    const texts = [t.name.replace(/[-_]/g, ' '), t.definition, ...(t.examples ?? [])];
    const counts = new Map<string, number>();
    for (const text of texts) for (const term of new Set(analyzeTerms(text))) counts.set(term, (counts.get(term) ?? 0) + 1);
    return counts;
  });
  const topicFreq = new Map<string, number>();
  for (const counts of perTopic) for (const term of counts.keys()) topicFreq.set(term, (topicFreq.get(term) ?? 0) + 1);
  const n = topics.length;
  return perTopic.map((counts) => {
    const weights = new Map<string, number>();
    for (const [term, c] of counts) {
      if (/^\d/.test(term)) continue; // amounts and years in examples are not topic cues
      const idf = Math.log(1 + (n + 1) / topicFreq.get(term)!) / Math.log(1 + (n + 1));
      const recurrence = 1 + 0.25 * Math.min(c - 1, 3);
      weights.set(term, (GENERIC.has(term) ? GENERIC_WEIGHT : 1) * idf * recurrence);
    }
    return { weights };
  });
}

/** Lexical score of a window's terms against one topic's cues, in [0, 1): 1 - exp(-matched weight / scale). */
export function lexicalScore(cues: TopicCues, windowTerms: ReadonlySet<string>, scale = DEFAULT_LEXICAL_SCALE): number {
  let sum = 0;
  for (const term of windowTerms) sum += cues.weights.get(term) ?? 0;
  return 1 - Math.exp(-sum / scale);
}
