// Person names: runs of capitalised words scored by gazetteers (known given names and surnames) and by patterns
// around them (honorifics, "my name is", greetings and sign-offs, reporting verbs).
import {
  WORD_AMBIGUOUS, WORD_FIRST_NAME, WORD_HONORIFIC, WORD_NOT_NAME, WORD_STREET_SUFFIX, WORD_SURNAME, wordFlags,
} from './gazetteer.js';
import type { PiiFinding } from './types.js';

/** Which evidence the name scanner uses; the benchmark compares them, the detector uses both. */
export interface NameEvidence {
  gazetteer: boolean;
  patterns: boolean;
}

export const BOTH_EVIDENCE: NameEvidence = { gazetteer: true, patterns: true };

/** Characters before a name that the trigger and honorific look-ups read (the streaming redactor keeps them). */
export const NAME_LOOKBEHIND = 32;

// A capitalised word (McDonald, O'Brien, Smith-Jones) or a middle initial followed by another capitalised word.
const TOKEN = /(?<![\w'’.-])(?:[A-Z](?:[a-z]+(?:[A-Z][a-z]+)?|['’][A-Z][a-z]+)(?:-[A-Z][a-z]+)?(?![\w])|[A-Z]\.(?= [A-Z]))/g;

// Phrases right before a name (the one, two or three words before it, lower-cased), strong and weak evidence.
const STRONG_TRIGGERS: ReadonlySet<string> = new Set([
  'my name is', 'name is', 'name', 'call me', 'named', 'called', 'dear', 'signed', 'patient', 'sincerely', 'regards',
  'i am', "i'm", 'this is', 'cardholder', 'holder', 'speak to', 'speak with', 'ask for', 'author', 'sender',
  'applicant', 'employee', 'customer', 'client', 'tenant', 'member',
]);
const WEAK_TRIGGERS: ReadonlySet<string> = new Set([
  'hi', 'hello', 'hey', 'thanks', 'thank you', 'cheers', 'best', 'from', 'with', 'by', 'for', 'meet', 'met', 'contact',
  'to', 'cc', 'and', 'saw', 'visited', 'hired', 'told', 'asked', 'emailed',
]);

/** Last words of the multi-word trigger phrases: after any other word, no longer phrase can match. */
const PHRASE_TAILS: ReadonlySet<string> = new Set(
  [...STRONG_TRIGGERS, ...WEAK_TRIGGERS].filter((p) => p.includes(' ')).map((p) => p.slice(p.lastIndexOf(' ') + 1)),
);

/** Separators between the words before a name: whitespace (as \s), comma, colon, semicolon, hyphen. */
function isTriggerSep(c: number): boolean {
  if (c === 32 || c === 44 || c === 58 || c === 59 || c === 45 || (c >= 9 && c <= 13)) return true;
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * 2 for a strong trigger phrase right before `start`, 1 for a weak one, 0 for none: the last one, two and three
 * words of the NAME_LOOKBEHIND characters before it, lower-cased.
 */
function triggerBefore(text: string, start: number): number {
  const from = start > NAME_LOOKBEHIND ? start - NAME_LOOKBEHIND : 0;
  let j = start;
  while (j > from && isTriggerSep(text.charCodeAt(j - 1))) j--;
  let phrase = '';
  let strength = 0;
  for (let n = 0; n < 3 && j > from; n++) {
    const end = j;
    while (j > from && !isTriggerSep(text.charCodeAt(j - 1))) j--;
    const word = text.slice(j, end).toLowerCase();
    phrase = n === 0 ? word : `${word} ${phrase}`;
    if (STRONG_TRIGGERS.has(phrase)) return 2;
    if (WEAK_TRIGGERS.has(phrase)) strength = 1;
    if (n === 0 && !PHRASE_TAILS.has(word)) break;
    while (j > from && isTriggerSep(text.charCodeAt(j - 1))) j--;
  }
  return strength;
}
// sticky, run at the end of a name: the longest alternative ends well within the 24 characters these once read
const AFTER_VERB = /,? (?:said|says|wrote|writes|called|asked|told|replied|emailed|mentioned|confirmed|who|and I)\b/y;
const AFTER_NOT_PERSON = /\s(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Place|Way|Inc|LLC|Ltd|Corp|Corporation|Company|Co|University|College|Hospital|Clinic|Bank|Foundation|Group|Center|Centre|Park|County|City|School|Airport|Station|Institute|Labs|Partners|Associates|Hotel|Mall|River|Lake|Mountain|Island)\b/y;

const DETERMINER_BEFORE = /\b(?:the|our|my|your|their|a|an|this|that|its)\s$/i;

/** Scans `text` for person names and pushes findings at or above `threshold`. */
export function scanNames(text: string, threshold: number, out: PiiFinding[], evidence: NameEvidence = BOTH_EVIDENCE): void {
  TOKEN.lastIndex = 0;
  // the current group of contiguous capitalised words (at most 4), reused across groups
  const toks: string[] = [];
  const starts: number[] = [];
  let count = 0;
  let groupStart = -1;
  let groupEnd = -1;
  let titled = false;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const w = m[0];
    const at = m.index;
    const contiguous = groupStart >= 0 && at === groupEnd + 1 && text.charCodeAt(groupEnd) === 32;
    if (!contiguous) {
      if (count > 0) scoreGroup(text, toks, starts, count, groupEnd, titled, threshold, out, evidence);
      count = 0;
      titled = false;
      groupStart = -1;
    }
    const flags = wordFlags(w);
    if (w.length > 1 && (flags & WORD_HONORIFIC) !== 0) {
      if (count > 0) scoreGroup(text, toks, starts, count, groupEnd, titled, threshold, out, evidence);
      count = 0;
      titled = false;
      groupStart = -1;
      // "Dr Smith" / "Dr. Smith": the title is evidence, not part of the name
      const after = at + w.length;
      const dot = text.charCodeAt(after) === 46 ? 1 : 0;
      if (text.charCodeAt(after + dot) === 32) {
        titled = true;
        groupStart = after + dot;
        groupEnd = after + dot;
      }
      continue;
    }
    if ((flags & WORD_NOT_NAME) !== 0) {
      if (count > 0) scoreGroup(text, toks, starts, count, groupEnd, titled, threshold, out, evidence);
      count = 0;
      titled = false;
      groupStart = -1;
      continue;
    }
    if (groupStart < 0) groupStart = at;
    toks[count] = w;
    starts[count] = at;
    count++;
    groupEnd = at + w.length;
    if (count === 4) {
      scoreGroup(text, toks, starts, count, groupEnd, titled, threshold, out, evidence);
      count = 0;
      titled = false;
      groupStart = -1;
    }
  }
  if (count > 0) scoreGroup(text, toks, starts, count, groupEnd, titled, threshold, out, evidence);
  scanSurnameFirst(text, threshold, out, evidence);
}

const SURNAME_COMMA_FIRST = /\b([A-Z][a-z]+(?:[A-Z][a-z]+)?), ([A-Z][a-z]+)\b(?! [A-Z])/y;

const isLetterCode = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isWordCode = (c: number): boolean => isLetterCode(c) || (c >= 48 && c <= 57) || c === 95;

/** "Walters, Yevgenia" in lists and forms: a known surname, a comma, a given name (or an account-holder cue). */
function scanSurnameFirst(text: string, threshold: number, out: PiiFinding[], evidence: NameEvidence): void {
  if (!evidence.gazetteer) return;
  let next = 0;
  // a match is the word of letters that ends at a ", " (tried there only), a comma and a capitalised word
  for (let comma = text.indexOf(', '); comma !== -1; comma = text.indexOf(', ', comma + 2)) {
    let s = comma;
    while (s > 0 && isLetterCode(text.charCodeAt(s - 1))) s--;
    if (s < next || s === comma || (s > 0 && isWordCode(text.charCodeAt(s - 1)))) continue;
    SURNAME_COMMA_FIRST.lastIndex = s;
    const m = SURNAME_COMMA_FIRST.exec(text);
    if (m === null) continue;
    next = s + m[0].length;
    const given = wordFlags(m[2]!);
    if ((wordFlags(m[1]!) & WORD_SURNAME) === 0 || (given & WORD_NOT_NAME) !== 0) continue;
    let score = (given & WORD_FIRST_NAME) !== 0 ? 0.8 : 0.4;
    if (evidence.patterns && /^\s*\((?:account holder|cardholder|patient|employee|customer)/i.test(text.slice(m.index + m[0].length, m.index + m[0].length + 24))) score += 0.3;
    if (score > 1) score = 1;
    if (score >= threshold) out.push({ type: 'NAME', start: m.index, end: m.index + m[0].length, score });
  }
}

function scoreGroup(
  text: string, toks: readonly string[], starts: readonly number[], count: number, end: number, titled: boolean,
  threshold: number, out: PiiFinding[], evidence: NameEvidence,
): void {
  // a trailing middle initial is not part of the name
  let n = count;
  while (n > 0 && toks[n - 1]!.endsWith('.')) {
    n--;
    end = n > 0 ? starts[n - 1]! + toks[n - 1]!.length : -1;
  }
  if (n === 0 || toks[0]!.endsWith('.')) return;
  const start = starts[0]!;
  const last = wordFlags(toks[n - 1]!);
  // the commonest case by far: one unknown capitalised word starting a sentence, with no title before it
  if (n === 1 && !titled && (last & (WORD_FIRST_NAME | WORD_SURNAME)) === 0 && isSentenceStart(text, start)) return;
  if (followedBy(AFTER_NOT_PERSON, text, end)) return;
  if ((last & WORD_STREET_SUFFIX) !== 0 && n > 1) return;
  let score: number;
  if (evidence.gazetteer) {
    const first = wordFlags(toks[0]!);
    const fi = (first & WORD_FIRST_NAME) !== 0;
    const amb = (first & WORD_AMBIGUOUS) !== 0;
    const sl = (last & WORD_SURNAME) !== 0;
    const sentenceStart = isSentenceStart(text, start);
    if (n >= 2) {
      if (fi && !amb) score = sl ? 0.9 : 0.75;
      else if (fi) score = sl ? 0.75 : 0.45;
      else if (sl) score = sentenceStart ? 0.35 : 0.5;
      else score = sentenceStart || n > 2 || DETERMINER_BEFORE.test(text.slice(Math.max(0, start - 6), start)) ? 0.15 : 0.3;
    } else if (fi) score = amb ? 0.25 : sentenceStart ? 0.5 : 0.55;
    else score = sl ? 0.25 : 0.1;
  } else {
    // patterns alone: a run of capitalised words inside a sentence is a weak hint
    score = n >= 2 && !isSentenceStart(text, start) ? 0.35 : 0.1;
  }
  if (evidence.patterns) {
    if (titled) score += 0.45;
    else if (score < threshold || score < 0.9) {
      const t = triggerBefore(text, start);
      score += t === 2 ? 0.4 : t === 1 ? 0.15 : 0;
    }
    if (followedBy(AFTER_VERB, text, end)) score += 0.2;
  }
  if (score > 1) score = 1;
  if (score >= threshold) out.push({ type: 'NAME', start, end, score: Math.round(score * 1000) / 1000 });
}

/** True when the sticky `re` matches at `at`. */
function followedBy(re: RegExp, text: string, at: number): boolean {
  re.lastIndex = at;
  return re.test(text);
}

/** True when only spaces separate `i` from the start of the text, a line, or the end of a sentence. */
function isSentenceStart(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (text[j] === ' ' || text[j] === '"' || text[j] === '“' || text[j] === '(')) j--;
  if (j < 0) return true;
  const c = text[j];
  return c === '.' || c === '!' || c === '?' || c === '\n' || c === ':' || c === '-';
}
