import { splitSentences, wordTokens } from '../../providers/local/index.js';

/** Longest window in words; longer sentences are cut into overlapping windows of this size. */
const WINDOW_WORDS = 14;
const WINDOW_STRIDE = 7;
/** Texts with at most this many sentences are also scored whole (a question split over two sentences). */
const WHOLE_TEXT_SENTENCES = 3;
/** Bound the work on very long inputs: beyond this many windows, the rest is not scored. */
export const MAX_WINDOWS = 256;

// Where a second request often starts inside one sentence ("…, and also which stock should I buy?").
const CLAUSE_BREAK = /\s*(?:[;:]|,?\s+(?:and also|also|by the way|btw|separately|and honestly|honestly|plus)\b|,\s+(?:and|but)\s+)\s*/i;

function wordWindows(sentence: string, out: string[]): void {
  const words = sentence.split(/\s+/).filter((w) => w.length > 0);
  if (words.length <= WINDOW_WORDS) return;
  for (let s = 0; s < words.length; s += WINDOW_STRIDE) {
    out.push(words.slice(s, s + WINDOW_WORDS).join(' '));
    if (s + WINDOW_WORDS >= words.length) break;
  }
}

/**
 * The spans of an input that are scored separately, so that a short off-topic clause inside a long prompt is
 * not diluted by the rest: each sentence, each clause of a sentence that chains requests, overlapping word
 * windows of long sentences, adjacent sentence pairs, and the whole text when it is short.
 */
export function textWindows(text: string): string[] {
  const sentences = splitSentences(text);
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (w: string): void => {
    const t = w.trim();
    if (t.length > 0 && !seen.has(t) && wordTokens(t).length > 0) {
      seen.add(t);
      out.push(t);
    }
  };
  if (sentences.length > 1 && sentences.length <= WHOLE_TEXT_SENTENCES) add(sentences.join(' '));
  for (let i = 0; i < sentences.length && out.length < MAX_WINDOWS; i++) {
    const s = sentences[i]!;
    add(s);
    const clauses = s.split(CLAUSE_BREAK);
    if (clauses.length > 1) for (const c of clauses) add(c);
    const long: string[] = [];
    wordWindows(s, long);
    for (const w of long) add(w);
    if (i + 1 < sentences.length && sentences.length > WHOLE_TEXT_SENTENCES) add(`${s} ${sentences[i + 1]!}`);
  }
  return out.slice(0, MAX_WINDOWS);
}
