import { analyzeTerms, splitSentences } from '../../providers/local/index.js';

/**
 * Splits an answer into claims: sentences, and clauses of sentences that join independent statements
 * ("…, and it also…", "…; …"). Questions back to the user, refusals and "I don't know" sentences make no
 * factual claim and are not checked for grounding (they lower relevance instead).
 */

/** Clauses shorter than this many content terms stay attached to their sentence. */
const MIN_CLAUSE_TERMS = 3;
const CLAUSE_BREAK = /;\s+|,\s+(?:and|but|while|whereas|although)\s+(?=\S)|\s+(?:and|but) (?=(?:it|they|he|she|this|these|the|its|their|there|most|all|any|every|each|its|we|you|after|then)\b)/i;

const NON_ANSWER =
  /\b(?:i (?:don't|do not|cannot|can't|couldn't|could not) (?:know|find|say|answer|determine|tell|help)|i(?:'m| am) (?:not sure|unsure|sorry|unable|not able)|(?:the )?(?:provided |given )?(?:sources?|documents?|context|passages?|information)(?: provided| given)? (?:do(?:es)? not|don't|doesn't) (?:contain|say|mention|include|specify|provide|cover|have)|not enough information|no information (?:about|on|is available)|unable to (?:answer|find|determine)|cannot be determined|(?:could|can) you (?:rephrase|clarify|provide more))\b/i;

/** True when a sentence declines to answer or says the answer is unknown. */
export function isNonAnswer(sentence: string): boolean {
  return NON_ANSWER.test(sentence);
}

export interface SplitAnswer {
  /** factual claims to check */
  claims: string[];
  /** sentences that decline or say they do not know */
  nonAnswers: string[];
}

/** Citation markers such as `[1]`, `[2, 3]` or `[1][4]`: they point at sources, they claim nothing. */
const CITATION_MARKER = /\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]/g;

/** The answer's claims and its non-answer sentences (citation markers are not part of any claim). */
export function splitClaims(answer: string): SplitAnswer {
  const claims: string[] = [];
  const nonAnswers: string[] = [];
  for (const sentence of splitSentences(answer.replace(CITATION_MARKER, ''))) {
    if (isNonAnswer(sentence)) {
      nonAnswers.push(sentence);
      continue;
    }
    if (sentence.trim().endsWith('?') || analyzeTerms(sentence).length === 0) continue;
    const parts = sentence.split(CLAUSE_BREAK).map((p) => p.trim()).filter((p) => p.length > 0);
    if (parts.length > 1 && parts.every((p) => analyzeTerms(p).length >= MIN_CLAUSE_TERMS)) claims.push(...parts);
    else claims.push(sentence);
  }
  return { claims, nonAnswers };
}
