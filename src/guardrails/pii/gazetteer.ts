// Lookup structures over the word lists in data/, built once at module load.
import { FIRST_NAMES } from './data/first-names.js';
import { SURNAMES } from './data/surnames.js';
import { CITIES, HONORIFICS, REGION_CODES, STREET_SUFFIXES, US_STATE_NAMES } from './data/places.js';

const words = (s: string): string[] => s.split(/\s+/).filter((w) => w.length > 0);

export const FIRST_NAME_SET: ReadonlySet<string> = new Set(words(FIRST_NAMES));
export const SURNAME_SET: ReadonlySet<string> = new Set(words(SURNAMES));
export const HONORIFIC_SET: ReadonlySet<string> = new Set(words(HONORIFICS));
export const STREET_SUFFIX_SET: ReadonlySet<string> = new Set(words(STREET_SUFFIXES));
export const REGION_CODE_SET: ReadonlySet<string> = new Set(words(REGION_CODES));
export const US_STATE_SET: ReadonlySet<string> = new Set(US_STATE_NAMES);
export const CITY_SET: ReadonlySet<string> = new Set(CITIES);

/** Given names that are also everyday English words: alone they are weak evidence of a person. */
export const AMBIGUOUS_FIRST_NAMES: ReadonlySet<string> = new Set(
  words(`april august autumn bill bob chase christian dawn dean don faith frank grant hazel holly hope hunter ivy
  jack jan jay joy june lance lily mark max may miles mike min misty pat pearl penny ray rich rob rose ruby sandy
  summer sun tom will young art bella rocco sterling page parker carter mason taylor jordan morgan tyler austin
  dallas savannah victoria georgia virginia madison lincoln lee long li kim sofia india china jade crystal amber
  olive violet iris daisy star sky river rain storm angel precious destiny genesis trinity harmony melody heaven
  cody kai gene sue guy joe ken roman ed eli`),
);

/**
 * Capitalised words that start sentences or headings and are never part of a person's name here: pronouns,
 * determiners, days, months, common verbs at sentence start, and organisation words.
 */
export const NOT_NAME_WORDS: ReadonlySet<string> = new Set(
  words(`i a an the this that these those there here it its we you he she they my your our their his her please
  thanks thank hello hi hey dear regards best sincerely cheers yes no ok okay so but and or if when then also
  monday tuesday wednesday thursday friday saturday sunday january february march july september
  october november december today tomorrow yesterday street avenue road lane drive court boulevard suite apt unit
  inc llc ltd corp corporation company co bank university college school hospital clinic center centre department
  team support service services customer account order card number phone email address name note update new
  north south east west mr mrs ms dr prof sir madam miss can could would should will shall may might must let
  what who why how where which call send see check contact ask tell get use my im i'm ive id dob ssn sin nhs
  visa mastercard amex paypal amazon google microsoft apple aws iphone android windows linux
  english french spanish german american canadian british`),
);

/** Bits of wordFlags(): which of the lists above a capitalised word's key is in. */
export const WORD_HONORIFIC = 1;
export const WORD_NOT_NAME = 2;
export const WORD_FIRST_NAME = 4;
export const WORD_SURNAME = 8;
export const WORD_AMBIGUOUS = 16;
export const WORD_STREET_SUFFIX = 32;

/** The gazetteer key of a word: lower case, without apostrophes and hyphens (O'Brien → obrien). */
export function wordKey(w: string): string {
  const l = w.toLowerCase();
  return l.includes("'") || l.includes('’') || l.includes('-') ? l.replace(/['’-]/g, '') : l;
}

const FLAGS_BY_KEY = new Map<string, number>();
for (const [set, bit] of [
  [HONORIFIC_SET, WORD_HONORIFIC], [NOT_NAME_WORDS, WORD_NOT_NAME], [FIRST_NAME_SET, WORD_FIRST_NAME],
  [SURNAME_SET, WORD_SURNAME], [AMBIGUOUS_FIRST_NAMES, WORD_AMBIGUOUS], [STREET_SUFFIX_SET, WORD_STREET_SUFFIX],
] as const) {
  for (const k of set) FLAGS_BY_KEY.set(k, (FLAGS_BY_KEY.get(k) ?? 0) | bit);
}

// words as written → flags: the same capitalised words recur across texts, and one look-up of the word as
// written replaces a lower-cased copy and up to six set look-ups. Bounded: cleared when full.
const FLAGS_BY_WORD = new Map<string, number>();
const MAX_MEMO_WORDS = 16384;

/** The WORD_* bits of `w` (as written; looked up by its key). */
export function wordFlags(w: string): number {
  let f = FLAGS_BY_WORD.get(w);
  if (f === undefined) {
    f = FLAGS_BY_KEY.get(wordKey(w)) ?? 0;
    if (FLAGS_BY_WORD.size >= MAX_MEMO_WORDS) FLAGS_BY_WORD.clear();
    FLAGS_BY_WORD.set(w, f);
  }
  return f;
}
