// Person names: runs of capitalised words scored by gazetteers (known given names and surnames) and by patterns
// around them (honorifics, "my name is", greetings and sign-offs, reporting verbs).
import { AMBIGUOUS_FIRST_NAMES, FIRST_NAME_SET, HONORIFIC_SET, NOT_NAME_WORDS, STREET_SUFFIX_SET, SURNAME_SET } from './gazetteer.js';
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

/** 2 for a strong trigger phrase right before `start`, 1 for a weak one, 0 for none. */
function triggerBefore(text: string, start: number): number {
  const from = start > NAME_LOOKBEHIND ? start - NAME_LOOKBEHIND : 0;
  const words = text.slice(from, start).toLowerCase().split(/[\s,:;-]+/);
  if (words[words.length - 1] === '') words.pop();
  let phrase = '';
  let strength = 0;
  for (let i = words.length - 1, n = 0; i >= 0 && n < 3; i--, n++) {
    phrase = n === 0 ? words[i]! : `${words[i]} ${phrase}`;
    if (STRONG_TRIGGERS.has(phrase)) return 2;
    if (WEAK_TRIGGERS.has(phrase)) strength = 1;
  }
  return strength;
}
const AFTER_VERB = /^,? (?:said|says|wrote|writes|called|asked|told|replied|emailed|mentioned|confirmed|who|and I)\b/;
const AFTER_NOT_PERSON = /^\s(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Place|Way|Inc|LLC|Ltd|Corp|Corporation|Company|Co|University|College|Hospital|Clinic|Bank|Foundation|Group|Center|Centre|Park|County|City|School|Airport|Station|Institute|Labs|Partners|Associates|Hotel|Mall|River|Lake|Mountain|Island)\b/;

const DETERMINER_BEFORE = /\b(?:the|our|my|your|their|a|an|this|that|its)\s$/i;
const key = (w: string): string => {
  const l = w.toLowerCase();
  return l.includes("'") || l.includes('’') || l.includes('-') ? l.replace(/['’-]/g, '') : l;
};

/** Scans `text` for person names and pushes findings at or above `threshold`. */
export function scanNames(text: string, threshold: number, out: PiiFinding[], evidence: NameEvidence = BOTH_EVIDENCE): void {
  TOKEN.lastIndex = 0;
  let groupStart = -1;
  let groupEnd = -1;
  const toks: string[] = [];
  const starts: number[] = [];
  let titled = false;
  const flush = (): void => {
    if (toks.length > 0) scoreGroup(text, toks, starts, groupEnd, titled, threshold, out, evidence);
    toks.length = 0;
    starts.length = 0;
    titled = false;
    groupStart = -1;
  };
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const w = m[0];
    const k = key(w);
    const contiguous = groupStart >= 0 && (m.index === groupEnd + 1 && text.charCodeAt(groupEnd) === 32);
    if (!contiguous) flush();
    if (w.length > 1 && HONORIFIC_SET.has(k)) {
      flush();
      // "Dr Smith" / "Dr. Smith": the title is evidence, not part of the name
      const after = m.index + w.length;
      const dot = text[after] === '.' ? 1 : 0;
      if (text[after + dot] === ' ') {
        titled = true;
        groupStart = after + dot;
        groupEnd = after + dot;
      }
      continue;
    }
    if (NOT_NAME_WORDS.has(k)) {
      flush();
      continue;
    }
    if (groupStart < 0) groupStart = m.index;
    toks.push(w);
    starts.push(m.index);
    groupEnd = m.index + w.length;
    if (toks.length === 4) flush();
  }
  flush();
  scanSurnameFirst(text, threshold, out, evidence);
}

const SURNAME_COMMA_FIRST = /\b([A-Z][a-z]+(?:[A-Z][a-z]+)?), ([A-Z][a-z]+)\b(?! [A-Z])/g;

/** "Walters, Yevgenia" in lists and forms: a known surname, a comma, a given name (or an account-holder cue). */
function scanSurnameFirst(text: string, threshold: number, out: PiiFinding[], evidence: NameEvidence): void {
  if (!evidence.gazetteer) return;
  SURNAME_COMMA_FIRST.lastIndex = 0;
  for (let m = SURNAME_COMMA_FIRST.exec(text); m !== null; m = SURNAME_COMMA_FIRST.exec(text)) {
    if (!SURNAME_SET.has(key(m[1]!)) || NOT_NAME_WORDS.has(key(m[2]!))) continue;
    let score = FIRST_NAME_SET.has(key(m[2]!)) ? 0.8 : 0.4;
    if (evidence.patterns && /^\s*\((?:account holder|cardholder|patient|employee|customer)/i.test(text.slice(m.index + m[0].length, m.index + m[0].length + 24))) score += 0.3;
    if (score > 1) score = 1;
    if (score >= threshold) out.push({ type: 'NAME', start: m.index, end: m.index + m[0].length, score });
  }
}

function scoreGroup(
  text: string, toks: string[], starts: number[], end: number, titled: boolean,
  threshold: number, out: PiiFinding[], evidence: NameEvidence,
): void {
  // a trailing middle initial is not part of the name
  while (toks.length > 0 && toks[toks.length - 1]!.endsWith('.')) {
    toks.pop();
    starts.pop();
    end = toks.length > 0 ? starts[starts.length - 1]! + toks[toks.length - 1]!.length : -1;
  }
  if (toks.length === 0 || toks[0]!.endsWith('.')) return;
  const start = starts[0]!;
  const lastKey = key(toks[toks.length - 1]!);
  const n = toks.length;
  // the commonest case by far: one unknown capitalised word starting a sentence, with no title before it
  if (n === 1 && !titled && !FIRST_NAME_SET.has(lastKey) && !SURNAME_SET.has(lastKey) && isSentenceStart(text, start)) return;
  const after = text.slice(end, end + 24);
  if (AFTER_NOT_PERSON.test(after)) return;
  if (STREET_SUFFIX_SET.has(lastKey) && toks.length > 1) return;
  let score: number;
  if (evidence.gazetteer) {
    const first = key(toks[0]!);
    const fi = FIRST_NAME_SET.has(first);
    const amb = AMBIGUOUS_FIRST_NAMES.has(first);
    const sl = SURNAME_SET.has(lastKey);
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
    if (AFTER_VERB.test(after)) score += 0.2;
  }
  if (score > 1) score = 1;
  if (score >= threshold) out.push({ type: 'NAME', start, end, score: Math.round(score * 1000) / 1000 });
}

/** True when only spaces separate `i` from the start of the text, a line, or the end of a sentence. */
function isSentenceStart(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (text[j] === ' ' || text[j] === '"' || text[j] === '“' || text[j] === '(')) j--;
  if (j < 0) return true;
  const c = text[j];
  return c === '.' || c === '!' || c === '?' || c === '\n' || c === ':' || c === '-';
}
