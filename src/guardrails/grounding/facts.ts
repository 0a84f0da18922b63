import { isStopWord } from '../../providers/local/index.js';

/**
 * The hard facts of a claim — numbers and named entities — which must appear in the sources for the claim to
 * count as supported: an answer that copies a source sentence but changes "1889" to "1901" or "Bayer" to
 * "Pfizer" is ungrounded however similar its words are.
 */

const SMALL_NUMBERS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11,
  twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
  twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90, hundred: 100,
  dozen: 12, half: 0.5, twice: 2, double: 2, triple: 3,
};
const SCALES: Record<string, number> = { thousand: 1e3, k: 1e3, million: 1e6, m: 1e6, mn: 1e6, billion: 1e9, bn: 1e9, b: 1e9, trillion: 1e12 };

// A number with thousands separators or decimals, an optional scale word and an optional percent sign or word.
const NUMBER = /(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(thousand|million|billion|trillion|bn|mn|k|m|b)\b)?(\s?%|\s?per ?cent\b)?/gi;
const NUMBER_WORD = /\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|dozen)\b(\s?%|\s?per ?cent\b)?/gi;

/** Canonical number strings in text: "1,000" and "1000" → "1000"; "5%" and "5 percent" → "5%"; "2.1 million" → "2100000"; "three" → "3". */
export function extractNumbers(text: string, includeWords = true): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(NUMBER)) {
    let v = Number(m[1]!.replaceAll(',', ''));
    const scale = m[2]?.toLowerCase();
    // Single-letter scales only count glued to the number ("5k", "2m"), not "5 m" (metres).
    if (scale !== undefined && (scale.length > 1 || !/\s/.test(m[0].slice(m[1]!.length)))) v *= SCALES[scale] ?? 1;
    out.add(canonical(v, m[3] !== undefined));
  }
  if (includeWords) {
    for (const m of text.matchAll(NUMBER_WORD)) out.add(canonical(SMALL_NUMBERS[m[1]!.toLowerCase()]!, m[2] !== undefined));
  }
  return out;
}

function canonical(v: number, percent: boolean): string {
  const s = Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  return percent ? `${s}%` : s;
}

// Capitalised words that are not names when they open a clause, and a few that never are.
const NOT_ENTITIES: ReadonlySet<string> = new Set(['i', "i'm", "i've", "i'll", "i'd", 'yes', 'no', 'ok', 'okay', 'note', 'however', 'also', 'the', 'a', 'an']);

/**
 * Named entities, lower case: runs of capitalised words that do not start a sentence ("New York", "Bayer"),
 * multi-word runs anywhere, acronyms ("NASA", "HTTP"), and mixed-case or alphanumeric names ("iPhone", "GPT-4").
 * A single capitalised word opening a sentence is left out: it is usually an ordinary word.
 */
export function extractEntities(text: string): string[] {
  const out: string[] = [];
  const tokens = [...text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’-]*|[.!?;:\n]/gu)].map((m) => m[0]);
  let sentenceStart = true;
  let run: string[] = [];
  let runStartsSentence = false;
  const flush = (): void => {
    if (run.length > 1 || (run.length === 1 && !runStartsSentence)) out.push(run.join(' ').toLowerCase());
    run = [];
  };
  for (const tok of tokens) {
    if (/^[.!?;:\n]$/.test(tok)) {
      flush();
      sentenceStart = true;
      continue;
    }
    const lower = tok.toLowerCase();
    const acronym = tok.length >= 2 && /^[A-Z][A-Z0-9-]+$/.test(tok) && /[A-Z].*[A-Z]|[A-Z]-?\d/.test(tok);
    const mixed = /^[a-z]+[A-Z]/.test(tok) || /^[A-Za-z]+-?\d+[A-Za-z]*$/.test(tok);
    const capital = /^\p{Lu}/u.test(tok) && !NOT_ENTITIES.has(lower);
    if (acronym || mixed) {
      flush();
      out.push(lower);
    } else if (capital && !(run.length === 0 && isStopWord(lower))) {
      if (run.length === 0) runStartsSentence = sentenceStart;
      run.push(tok);
    } else {
      flush();
    }
    sentenceStart = false;
  }
  flush();
  return [...new Set(out)];
}

/** Lower-cased text with whitespace and apostrophes normalised, for phrase lookups of entities. */
export function normalizeForLookup(text: string): string {
  return ` ${text.toLowerCase().replace(/[’']/g, "'").replace(/[^\p{L}\p{N}'%.,-]+/gu, ' ')} `;
}

export interface FactCheck {
  /** numbers in the claim that no source contains */
  missingNumbers: string[];
  /** entities in the claim that no source contains */
  missingEntities: string[];
}

/** Which of the claim's numbers and entities are absent from the sources. */
export function checkFacts(claim: string, sourceNumbers: ReadonlySet<string>, sourceLookup: string): FactCheck {
  const missingNumbers = [...extractNumbers(claim, false)].filter((n) => !sourceNumbers.has(n));
  const missingEntities = extractEntities(claim).filter((e) => !entityPresent(e, sourceLookup));
  return { missingNumbers, missingEntities };
}

function entityPresent(entity: string, lookup: string): boolean {
  if (lookup.includes(` ${entity} `) || lookup.includes(` ${entity}'`) || lookup.includes(` ${entity},`) || lookup.includes(` ${entity}.`)) return true;
  // A multi-word entity is present when each of its words is ("Hans Meyer" vs "Meyer, Hans").
  const words = entity.split(' ');
  return words.length > 1 && words.every((w) => lookup.includes(` ${w}`));
}
