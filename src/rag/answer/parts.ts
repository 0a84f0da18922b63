/**
 * Splits an answer into the parts citations are attached to (sentences, list items, lines), keeping exact
 * character offsets into the text so that a citation's span can point back into it.
 */

export interface TextPart {
  /** offset of the first character */
  start: number;
  /** offset just past the last character (exclusive, like String.slice) */
  end: number;
  text: string;
}

// Words whose trailing period does not end a sentence before a capitalised word ("e.g. Amazon", "Dr. Li").
const ABBREVIATIONS: ReadonlySet<string> = new Set('e.g i.e dr mr mrs ms prof st vs cf al fig no approx inc ltd jr sr co corp dept etc'.split(' '));

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0;
}

function isClosing(c: number): boolean {
  // ) ] " ' ” ’ »
  return c === 41 || c === 93 || c === 34 || c === 39 || c === 0x201d || c === 0x2019 || c === 0xbb;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

/** Whether the period at `dot` ends an abbreviation or an initial rather than a sentence. */
function abbreviationAt(text: string, dot: number): boolean {
  let s = dot;
  while (s > 0 && !isSpace(text.charCodeAt(s - 1)) && text.charCodeAt(s - 1) !== 40) s--;
  const word = text.slice(s, dot).toLowerCase();
  if (word.length === 1 && /[a-z]/.test(word)) return true;
  return ABBREVIATIONS.has(word);
}

function pushTrimmed(out: TextPart[], text: string, from: number, to: number): void {
  let s = from;
  let e = to;
  while (s < e && isSpace(text.charCodeAt(s))) s++;
  while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
  if (e > s) out.push({ start: s, end: e, text: text.slice(s, e) });
}

/**
 * Sentence-like parts of `text`, in order, trimmed, with their offsets. Boundaries: `.`, `!` or `?` (and any
 * closing quotes or brackets after them) followed by white space and a character that is not lower case,
 * except after abbreviations and initials; and line breaks (answers put list items and paragraphs on lines).
 */
export function splitAnswerParts(text: string): TextPart[] {
  const out: TextPart[] = [];
  const n = text.length;
  let start = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      pushTrimmed(out, text, start, i);
      start = i + 1;
      i++;
      continue;
    }
    if (c === 46 || c === 33 || c === 63) {
      let j = i + 1;
      while (j < n && (text.charCodeAt(j) === 46 || text.charCodeAt(j) === 33 || text.charCodeAt(j) === 63)) j++;
      while (j < n && isClosing(text.charCodeAt(j))) j++;
      if (j < n && isSpace(text.charCodeAt(j))) {
        let k = j;
        while (k < n && isSpace(text.charCodeAt(k)) && text.charCodeAt(k) !== 10) k++;
        const next = k < n ? text.charCodeAt(k) : 0;
        if (!isLower(next) && !(c === 46 && abbreviationAt(text, i))) {
          pushTrimmed(out, text, start, j);
          start = j;
        }
      }
      i = j;
      continue;
    }
    i++;
  }
  pushTrimmed(out, text, start, n);
  return out;
}
