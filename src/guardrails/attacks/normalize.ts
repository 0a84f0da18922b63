import { foldLeetText, foldText } from '../words/char-fold.js';

/**
 * Undoes the cheap obfuscations attackers use so the signal patterns see plain words: compatibility forms
 * (full-width letters, ligatures), invisible characters, Cyrillic/Greek look-alikes, spaced-out letters
 * ("i g n o r e"), leetspeak ("1gn0r3") and payloads encoded as base64 or ROT13.
 */

// Zero-width and other format characters that split words invisibly; soft hyphen; bidi controls.
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u206a-\u206f\ufeff]/g;
// Three or more single letters joined by dots, dashes, underscores or asterisks ("i.g.n.o.r.e"), then four or
// more separated by single spaces ("i g n o r e"); a wider gap stays a word break.
const PUNCTUATED_LETTERS = /\b(?:[a-z][._*-]){2,}[a-z]\b/g;
const SPACED_LETTERS = /\b(?:[a-z] ){3,}[a-z]\b/g;
const BASE64_RUN = /[A-Za-z0-9+/]{20,}={0,2}/g;
const MAX_DECODED = 8;
// A Latin letter next to a Cyrillic or Greek one inside a word: a look-alike substitution.
const MIXED_SCRIPT = /[a-z][\u0370-\u03ff\u0400-\u04ff]|[\u0370-\u03ff\u0400-\u04ff][a-z]/i;

export interface NormalizedText {
  /** the input in NFKC, nothing else changed */
  nfkc: string;
  /** folded text with invisible characters removed and spaced letters joined */
  plain: string;
  /** plain with leetspeak digits and symbols read as letters */
  leet: string;
  /** printable texts decoded from base64 runs or ROT13, already folded */
  decoded: string[];
  /** the input contained invisible characters, look-alike letters or spaced-out letters */
  obfuscated: boolean;
}

function printableShare(s: string): number {
  if (s.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 10 || c === 9) ok++;
  }
  return ok / s.length;
}

function rot13(s: string): string {
  return s.replace(/[a-z]/gi, (ch) => {
    const base = ch <= 'Z' ? 65 : 97;
    return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** Decoded base64 runs that are mostly printable text with spaces (so hashes and binary are ignored). */
function decodeBase64Runs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(BASE64_RUN)) {
    if (out.length >= MAX_DECODED) break;
    const decoded = Buffer.from(m[0], 'base64').toString('utf8');
    if (decoded.length >= 12 && printableShare(decoded) > 0.95 && /[a-z]{3,} [a-z]{2,}/i.test(decoded)) out.push(decoded);
  }
  return out;
}

/** Normalises text for the prompt-attack patterns. */
export function normalizeForAttacks(text: string): NormalizedText {
  const nfkc = text.normalize('NFKC');
  const visible = nfkc.replace(INVISIBLE, '');
  const folded = foldText(visible);
  const joined = folded
    .replace(PUNCTUATED_LETTERS, (m) => m.replace(/[._*-]/g, ''))
    .replace(SPACED_LETTERS, (m) => m.replace(/ /g, ''));
  const plain = joined.replace(/[ \t]+/g, ' ');
  const lookAlikes = MIXED_SCRIPT.test(visible);
  const obfuscated = visible.length !== nfkc.length || lookAlikes || plain.length < folded.replace(/[ \t]+/g, ' ').length;
  const decoded = decodeBase64Runs(visible).map(foldText);
  if (/\brot-?13\b/.test(plain)) decoded.push(foldText(rot13(visible)));
  return { nfkc, plain, leet: foldLeetText(plain), decoded, obfuscated };
}
