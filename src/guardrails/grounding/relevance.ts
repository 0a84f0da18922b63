import { analyzeTerms } from '../../providers/local/index.js';
import { cosine } from '../types.js';
import { extractEntities, extractNumbers } from './facts.js';

/**
 * Does the answer address the question? Three signals: the share of the question's content terms the answer
 * covers, the embedding similarity of question and answer, and whether the answer has the kind of content the
 * question asks for (a number for "how many", a date for "when", a name for "who", yes/no for a polar question).
 */

const SIM_FLOOR = 0.05;
const SIM_CEIL = 0.6;
/** Relevance of an answer that only declines or says it does not know. */
export const NON_ANSWER_RELEVANCE = 0.1;

type Expected = 'number' | 'date' | 'name' | 'place' | 'polar' | 'open';

const MONTH_OR_DAY = /\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|century|decade)\b/i;

function expectedType(question: string): Expected {
  const q = question.trim().toLowerCase();
  if (/\bhow (?:many|much|long|tall|high|old|far|big|large|often|fast)\b|\bwhat (?:percentage|percent|share|number|amount|price|fee|cost)\b/.test(q)) return 'number';
  if (/\bwhen\b|\bwhat (?:year|date|time|day)\b/.test(q)) return 'date';
  if (/\bwho(?:m|se)?\b/.test(q)) return 'name';
  if (/\bwhere\b|\bwhich (?:country|city|ocean|continent|place)\b/.test(q)) return 'place';
  if (/^(?:is|are|was|were|do|does|did|can|could|will|would|has|have|had|should|shall|may)\b/.test(q)) return 'polar';
  return 'open';
}

function satisfies(expected: Expected, answer: string): number {
  switch (expected) {
    case 'number':
      return extractNumbers(answer).size > 0 ? 1 : 0;
    case 'date':
      return extractNumbers(answer, false).size > 0 || MONTH_OR_DAY.test(answer) ? 1 : 0;
    case 'name':
    case 'place':
      return extractEntities(answer).length > 0 ? 1 : 0;
    case 'polar':
      return /^\s*(?:yes|no|not|correct|right|true|false)\b/i.test(answer) || /\b(?:not|no|never|only)\b/i.test(answer) ? 1 : 0.5;
    case 'open':
      return 0.5;
  }
}

/** Relevance of answer text to a question, in [0, 1], given their embeddings. */
export function relevanceScore(question: string, answer: string, qVec: Float32Array, aVec: Float32Array): number {
  const qTerms = [...new Set(analyzeTerms(question))];
  const aTerms = new Set(analyzeTerms(answer));
  if (aTerms.size === 0) return 0;
  const coverage = qTerms.length === 0 ? 0.5 : qTerms.filter((t) => aTerms.has(t)).length / qTerms.length;
  const sim = Math.min(1, Math.max(0, (cosine(qVec, aVec) - SIM_FLOOR) / (SIM_CEIL - SIM_FLOOR)));
  const intent = satisfies(expectedType(question), answer);
  return Math.round((0.5 * coverage + 0.25 * sim + 0.25 * intent) * 1e4) / 1e4;
}
