/**
 * Lexical text analysis shared by the local models: sentence splitting, word tokens, a light stemmer and
 * BM25 scoring. Written for speed (single passes over char codes, no per-character allocation).
 */

const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been being but by can could did do does doing for from had has have having he her ' +
    'here hers him his how i if in into is it its itself just me more most my no nor not of off on once only or ' +
    'other our ours out over own same she should so some such than that the their theirs them then there these ' +
    'they this those through to too under until up very was we were what when where which while who whom why ' +
    'will with would you your yours also about again against all any because before below between both during ' +
    'each few further after above down s t don doesn didn isn wasn aren weren won wouldn shouldn couldn let us ' +
    'may might must shall via per etc tell please'
  ).split(' '),
);

/** True for function words that carry no topic (English). */
export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

function isVowel(c: number): boolean {
  return c === 97 || c === 101 || c === 105 || c === 111 || c === 117;
}

/** Removes a doubled final consonant left by suffix stripping ("runn" → "run"), except l, s, z. */
function undouble(stem: string): string {
  const n = stem.length;
  const c = stem.charCodeAt(n - 1);
  if (n >= 3 && c === stem.charCodeAt(n - 2) && !isVowel(c) && c !== 108 && c !== 115 && c !== 122) {
    return stem.slice(0, -1);
  }
  return stem;
}

/** The stem of w without suffix when what remains has at least minStem characters, else undefined. */
function strip(w: string, suffix: string, minStem: number): string | undefined {
  return w.length - suffix.length >= minStem && w.endsWith(suffix) ? w.slice(0, -suffix.length) : undefined;
}

function inflectional(w: string): string {
  if (w.endsWith('ies')) return strip(w, 'ies', 2) === undefined ? w : w.slice(0, -3) + 'y';
  if (w.endsWith('sses')) return w.slice(0, -2);
  let s = strip(w, 'ing', 3);
  if (s !== undefined) return undouble(s);
  if (!w.endsWith('eed')) {
    s = strip(w, 'ed', 3);
    if (s !== undefined) return undouble(s);
  }
  s = strip(w, 'ly', 4);
  if (s !== undefined) return s;
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

/**
 * Light suffix stemming: inflections (-s, -es, -ies, -ing, -ed, -ly), a few derivational endings (-ation,
 * -ment, -al) and a final -e, so that "approve"/"approval"/"approved" and "configure"/"configuration" meet,
 * without the over-stemming of a full Porter stemmer. Short words are left alone.
 */
export function stemWord(w: string): string {
  if (w.length <= 3) return w;
  let s = inflectional(w);
  s = strip(s, 'ation', 4) ?? strip(s, 'ment', 4) ?? strip(s, 'al', 4) ?? s;
  if (s.length > 4 && s.endsWith('e')) s = s.slice(0, -1);
  return s;
}

const NON_ASCII_WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

function isWordCode(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
  return c >= 0xaa && NON_ASCII_WORD_CHAR.test(String.fromCharCode(c));
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Lowercase word tokens. Letters and digits form words; "3.5" and "1,000" stay one token; single letters are
 * dropped (they are mostly split contractions and initials).
 */
export function wordTokens(text: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  const n = lower.length;
  let i = 0;
  while (i < n) {
    while (i < n && !isWordCode(lower.charCodeAt(i))) i++;
    const start = i;
    while (i < n) {
      const c = lower.charCodeAt(i);
      if (isWordCode(c)) {
        i++;
      } else if ((c === 46 || c === 44) && i > start && isDigit(lower.charCodeAt(i - 1)) && isDigit(lower.charCodeAt(i + 1))) {
        i++;
      } else {
        break;
      }
    }
    if (i - start > 1 || (i - start === 1 && isDigit(lower.charCodeAt(start)))) out.push(lower.slice(start, i));
  }
  return out;
}

/** Index terms: lowercase word tokens without stop words, lightly stemmed. */
export function analyzeTerms(text: string): string[] {
  const words = wordTokens(text);
  const out: string[] = [];
  for (const w of words) if (!STOP_WORDS.has(w)) out.push(stemWord(w));
  return out;
}

// Words whose trailing period does not end a sentence. Lowercase continuations are already kept together,
// so this list matters only before capitalised words ("Dr. Smith", "e.g. Amazon").
const ABBREVIATIONS: ReadonlySet<string> = new Set(
  (
    'e.g i.e dr mr mrs ms prof st vs cf al fig no nos approx inc ltd jr sr co corp dept est gen gov sen rep ' +
    'mt ft jan feb mar apr jun jul aug sep sept oct nov dec a.m p.m u.s u.k ph.d vol pp ed eds op'
  ).split(' '),
);

function isSpaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0;
}

function isClosingCode(c: number): boolean {
  // ) ] " ' ” ’ »
  return c === 41 || c === 93 || c === 34 || c === 39 || c === 0x201d || c === 0x2019 || c === 0xbb;
}

const SHORT_LINE = 40;
const LIST_MARKER = /^(?:[-*•▪◦‣]\s|\d{1,3}[.)]\s|\[\d{1,3}\]|#{1,6}\s|source\s+\d)/i;

/** The word ending just before index `dot` (exclusive), lowercase, without its trailing period. */
function wordBefore(text: string, dot: number): string {
  let s = dot;
  while (s > 0 && !isSpaceCode(text.charCodeAt(s - 1)) && text.charCodeAt(s - 1) !== 40) s--;
  return text.slice(s, dot).toLowerCase();
}

function endsSentenceAt(text: string, dot: number): boolean {
  const c = text.charCodeAt(dot);
  if (c !== 46) return true; // ! and ?
  const word = wordBefore(text, dot);
  if (word.length === 1 && /[a-z]/.test(word)) return false; // an initial: "J. Smith"
  return !ABBREVIATIONS.has(word);
}

function pushSentence(out: string[], raw: string): void {
  const s = raw.replace(/\s+/g, ' ').trim();
  if (s.length > 0) out.push(s);
}

/**
 * Splits text into sentences with whitespace normalised. Boundaries: . ! ? followed by space and a
 * non-lowercase start (abbreviations, initials, decimals and URLs do not end sentences); blank lines; and line
 * breaks after terminal punctuation, after a short line (a title) or before a list item, heading or numbered
 * passage. Other line breaks are hard wraps inside a sentence.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let start = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 33 || c === 63 || c === 46) {
      let j = i + 1;
      while (j < n && (text.charCodeAt(j) === c || text.charCodeAt(j) === 46)) j++; // "?!", "..."
      while (j < n && isClosingCode(text.charCodeAt(j))) j++;
      if (j >= n) break;
      if (isSpaceCode(text.charCodeAt(j))) {
        let k = j;
        while (k < n && isSpaceCode(text.charCodeAt(k))) k++;
        const next = k < n ? text.charCodeAt(k) : 0;
        const lowerNext = next >= 97 && next <= 122;
        if (!lowerNext && endsSentenceAt(text, i)) {
          pushSentence(out, text.slice(start, j));
          start = k;
          i = k;
          continue;
        }
      }
      i = j;
      continue;
    }
    if (c === 10) {
      let k = i + 1;
      let blank = false;
      while (k < n && isSpaceCode(text.charCodeAt(k))) {
        if (text.charCodeAt(k) === 10) blank = true;
        k++;
      }
      let p = i - 1;
      while (p >= start && isSpaceCode(text.charCodeAt(p))) p--;
      const prev = p >= start ? text.charCodeAt(p) : 0;
      const afterPunct = prev === 46 || prev === 33 || prev === 63 || prev === 58 || prev === 59;
      // A short line before a capitalised one is a heading or title, not a hard-wrapped sentence.
      let lineStart = i;
      while (lineStart > start && text.charCodeAt(lineStart - 1) !== 10) lineStart--;
      const next = k < n ? text.charCodeAt(k) : 0;
      const heading = i - lineStart < SHORT_LINE && next >= 65 && next <= 90;
      if (blank || afterPunct || heading || LIST_MARKER.test(text.slice(k, k + 12))) {
        pushSentence(out, text.slice(start, i));
        start = k;
        i = k;
        continue;
      }
    }
    i++;
  }
  if (start < n) pushSentence(out, text.slice(start));
  return out;
}

export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/**
 * BM25 score of each document (an array of terms) against the query terms, with IDF computed over the given
 * documents. Only query terms are counted, so the cost is one pass over the documents' terms.
 */
export function bm25Scores(docs: readonly (readonly string[])[], queryTerms: readonly string[], k1 = BM25_K1, b = BM25_B): Float64Array {
  const scores = new Float64Array(docs.length);
  const qIndex = new Map<string, number>();
  for (const t of queryTerms) if (!qIndex.has(t)) qIndex.set(t, qIndex.size);
  const q = qIndex.size;
  if (q === 0 || docs.length === 0) return scores;
  const tf = new Float64Array(docs.length * q);
  const df = new Float64Array(q);
  let totalLen = 0;
  for (let d = 0; d < docs.length; d++) {
    const terms = docs[d]!;
    totalLen += terms.length;
    for (const t of terms) {
      const k = qIndex.get(t);
      if (k !== undefined) {
        if (tf[d * q + k] === 0) df[k]!++;
        tf[d * q + k]!++;
      }
    }
  }
  const avgLen = totalLen / docs.length || 1;
  const n = docs.length;
  const idf = new Float64Array(q);
  for (let k = 0; k < q; k++) idf[k] = Math.log(1 + (n - df[k]! + 0.5) / (df[k]! + 0.5));
  for (let d = 0; d < n; d++) {
    const norm = k1 * (1 - b + (b * docs[d]!.length) / avgLen);
    let s = 0;
    for (let k = 0; k < q; k++) {
      const f = tf[d * q + k]!;
      if (f > 0) s += (idf[k]! * f * (k1 + 1)) / (f + norm);
    }
    scores[d] = s;
  }
  return scores;
}
