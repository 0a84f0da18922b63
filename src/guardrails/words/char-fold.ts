/**
 * One-code-unit-to-one folding used by the word filter and the prompt-attack normaliser. Keeping the mapping
 * 1:1 means a match in folded text has the same offsets in the original, so masking needs no offset table.
 */

// Latin look-alikes from Cyrillic and Greek that evade plain matching ("рrompt" with a Cyrillic р).
const HOMOGLYPHS: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  і: 'i', ї: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɡ: 'g',
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
  à: 'a', á: 'a', â: 'a', ä: 'a', ã: 'a', å: 'a', è: 'e', é: 'e', ê: 'e', ë: 'e', ì: 'i', í: 'i', î: 'i',
  ï: 'i', ò: 'o', ó: 'o', ô: 'o', ö: 'o', õ: 'o', ù: 'u', ú: 'u', û: 'u', ü: 'u', ý: 'y', ÿ: 'y', ñ: 'n', ç: 'c',
};

// Digits and symbols read as letters ("sh1t", "@ss", "pr0mpt").
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', $: 's', '!': 'i', '|': 'l', '€': 'e' };

const FOLD = new Uint16Array(0x10000);
const LEET_FOLD = new Uint16Array(128);

for (let c = 0; c < 0x10000; c++) {
  const ch = String.fromCharCode(c);
  const lower = ch.toLowerCase();
  // Keep the code unit when lower-casing changes the length (e.g. U+0130): offsets must not move.
  FOLD[c] = lower.length === 1 ? lower.charCodeAt(0) : c;
}
for (const [from, to] of Object.entries(HOMOGLYPHS)) {
  FOLD[from.charCodeAt(0)] = to.charCodeAt(0);
  FOLD[from.toUpperCase().charCodeAt(0)] = to.charCodeAt(0);
}
for (const [from, to] of Object.entries(LEET)) LEET_FOLD[from.charCodeAt(0)] = to.charCodeAt(0);

/** Lower case with Cyrillic/Greek look-alikes and common accents folded to the Latin letter (1:1). */
export function foldCode(c: number): number {
  return FOLD[c]!;
}

/** The letter a leetspeak digit or symbol stands for, or 0 when c is not one. */
export function leetCode(c: number): number {
  return c < 128 ? LEET_FOLD[c]! : 0;
}

/** Folds a whole string with foldCode; the result has the same length and offsets. */
export function foldText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += String.fromCharCode(FOLD[text.charCodeAt(i)]!);
  return out;
}

/** Folds a string with foldCode and then maps leetspeak digits and symbols to letters (same length). */
export function foldLeetText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const f = FOLD[text.charCodeAt(i)]!;
    const l = leetCode(f);
    out += String.fromCharCode(l === 0 ? f : l);
  }
  return out;
}

/** True for a letter, digit or combining mark (a word character in any script). */
export function isWordCode(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 95;
  return c >= 0xaa && WORD_CHAR.test(String.fromCharCode(c));
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
