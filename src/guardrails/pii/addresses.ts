// Street addresses: a house number, a capitalised street name and a known suffix, then optional unit and
// city / state / postcode; PO boxes; and "City, ST 12345" lines on their own.
import { CITY_SET, REGION_CODE_SET, STREET_SUFFIX_SET, US_STATE_SET } from './gazetteer.js';
import type { PiiFinding } from './types.js';

/** Which evidence the address scanner uses; the benchmark compares them, the detector uses both. */
export interface AddressEvidence {
  gazetteer: boolean;
}

const cap = (w: string): string => w[0]!.toUpperCase() + w.slice(1);
// longest first so that "Street" is tried before "St"
const SUFFIX_ALT = [...STREET_SUFFIX_SET].sort((a, b) => b.length - a.length).map(cap).join('|');
const DIR = '(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\\.?';
const NAME_WORD = "(?:[A-Z][a-z]+(?:['’][a-z]+)?|\\d{1,3}(?:st|nd|rd|th))";
const UNIT = '(?:,?\\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|Building|Bldg|#)\\.?\\s*#?\\s*[A-Za-z0-9-]{1,6})';
const CITY = "(?:[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}|St\\. [A-Z][a-z]+)";
const US_TAIL = `(?:,?\\s+${CITY},?\\s+(?:[A-Z]{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)\\.?(?:,?\\s+\\d{5}(?:-\\d{4})?)?)`;
const UK_POSTCODE = '[A-Z]{1,2}\\d[A-Z\\d]? ?\\d[A-Z]{2}';
const CA_POSTCODE = '[A-Z]\\d[A-Z] ?\\d[A-Z]\\d';
const OTHER_TAIL = `(?:,?\\s+${CITY}(?:,?\\s+(?:[A-Z]{2}|[A-Z][a-z]+))?,?\\s+(?:${UK_POSTCODE}|${CA_POSTCODE}))`;
const COUNTRY = '(?:,?\\s+(?:USA|U\\.S\\.A\\.|United States|UK|United Kingdom|Canada|Ireland))?';

const STREET = new RegExp(
  `(?<![\\w-])\\d{1,6}[A-Z]?(?:-\\d{1,4})?,?\\s+(?:${DIR}\\s+)?${NAME_WORD}(?:\\s+${NAME_WORD}){0,3}\\s+(?:${SUFFIX_ALT})\\.?(?:\\s+${DIR})?(?![\\w])` +
    `(${UNIT}?)((?:${OTHER_TAIL}|${US_TAIL})?)${COUNTRY}`,
  'gd',
);
const STREET_AT = new RegExp(STREET.source, 'yd');
const POSTCODE_END = new RegExp(`(?:${UK_POSTCODE}|${CA_POSTCODE})$`);
const REGION_END = /,?\s+([A-Z]{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)\.?(?:,?\s+\d{5}(?:-\d{4})?)?$/;
const PO_BOX = new RegExp(`\\b(?:P\\.? ?O\\.?|Post Office) ?Box \\d{1,6}((?:${OTHER_TAIL}|${US_TAIL})?)`, 'gi');
const CITY_LINE = new RegExp(`(?<![\\w,] ?)\\b(${CITY}),\\s+([A-Z]{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)(?:\\s+(\\d{5}(?:-\\d{4})?)|(?![\\w]))`, 'y');

/** True when a captured region is a US state / Canadian province code or a US state name. */
function isRegion(s: string): boolean {
  return REGION_CODE_SET.has(s) || US_STATE_SET.has(s.toLowerCase());
}

const isWordCode = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
/** Characters a city name (CITY) is made of: letters, space, hyphen, and the dot of "St." */
const isCityCode = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 32 || c === 45 || c === 46;

/**
 * Scans `text` for postal addresses and pushes findings at or above `threshold`. `numberStarts`, when the caller
 * has them, are the ascending word starts of runs of at most six digits: the only places a street line can start.
 */
export function scanAddresses(
  text: string, threshold: number, out: PiiFinding[], evidence: AddressEvidence = { gazetteer: true }, numberStarts?: readonly number[],
): void {
  if (numberStarts === undefined) {
    STREET.lastIndex = 0;
    for (let m = STREET.exec(text); m !== null; m = STREET.exec(text)) takeStreet(m, threshold, out, evidence);
  } else {
    let next = 0;
    for (const p of numberStarts) {
      if (p < next || !streetCanStart(text, p)) continue;
      STREET_AT.lastIndex = p;
      const m = STREET_AT.exec(text);
      if (m === null) continue;
      next = p + m[0].length;
      takeStreet(m, threshold, out, evidence);
    }
  }
  // "Box" (any case) is in every PO box match
  if (text.length >= 6 && /box/i.test(text)) {
    PO_BOX.lastIndex = 0;
    for (let m = PO_BOX.exec(text); m !== null; m = PO_BOX.exec(text)) {
      if (0.85 >= threshold) out.push({ type: 'ADDRESS', start: m.index, end: m.index + m[0].length, score: 0.85 });
    }
  }
  scanCityLines(text, threshold, out, evidence);
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** \s for ASCII; every non-ASCII code counts as a possible space (the check below must never reject a match) */
const maybeSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c >= 128;

/**
 * A necessary condition of STREET matching at `p`: the house number (digits, an optional capital, an optional
 * dash and digits, an optional comma) is followed by whitespace and then a capital or a digit. Most numbers in
 * prose ("3 failed attempts", "1,250 requests") fail it without running the street regex.
 */
function streetCanStart(text: string, p: number): boolean {
  const n = text.length;
  let i = p;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  let c = text.charCodeAt(i);
  if (c >= 65 && c <= 90) c = text.charCodeAt(++i);
  if (c === 45 && isDigit(text.charCodeAt(i + 1))) {
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    c = text.charCodeAt(i);
  }
  if (c === 44) c = text.charCodeAt(++i);
  if (!maybeSpace(c)) return false;
  while (i < n && maybeSpace(text.charCodeAt(i))) {
    if (text.charCodeAt(i) >= 128) return true;
    i++;
  }
  c = text.charCodeAt(i);
  return (c >= 65 && c <= 90) || isDigit(c);
}

function takeStreet(m: RegExpExecArray, threshold: number, out: PiiFinding[], evidence: AddressEvidence): void {
  const tail = m[2] ?? '';
  let end = m.index + m[0].length;
  let score = 0.8;
  if (tail !== '') {
    // a tail only belongs to the address if its region is real; otherwise keep the street line alone
    const region = REGION_END.exec(tail);
    if (POSTCODE_END.test(tail) || (region && (!evidence.gazetteer || isRegion(region[1]!)))) score = 0.95;
    else end = m.indices![2]![0];
  }
  if (score >= threshold) out.push({ type: 'ADDRESS', start: m.index, end, score });
}

/**
 * "City, ST 12345" lines. A match ends its city at a comma, so it is tried only at the capitalised word starts
 * in the run of city characters before each comma, in text order, like a global scan.
 */
function scanCityLines(text: string, threshold: number, out: PiiFinding[], evidence: AddressEvidence): void {
  let next = 0;
  for (let comma = text.indexOf(','); comma !== -1; comma = text.indexOf(',', comma + 1)) {
    // back over at most three words: a city has two separators at most
    let s = comma;
    let seps = 0;
    while (s > 0 && s > next) {
      const c = text.charCodeAt(s - 1);
      if (!isCityCode(c) || ((c === 32 || c === 45) && ++seps === 3)) break;
      s--;
    }
    for (let p = s; p < comma; p++) {
      const c = text.charCodeAt(p);
      if (p < next || c < 65 || c > 90 || (p > 0 && isWordCode(text.charCodeAt(p - 1)))) continue;
      CITY_LINE.lastIndex = p;
      const m = CITY_LINE.exec(text);
      if (m === null) continue;
      next = p + m[0].length;
      const city = m[1]!;
      const region = m[2]!;
      const zip = m[3];
      if (!isRegion(region)) break;
      const knownCity = evidence.gazetteer && CITY_SET.has(city.toLowerCase());
      const score = zip ? 0.8 : knownCity ? 0.6 : 0.35;
      if (score >= threshold) out.push({ type: 'ADDRESS', start: m.index, end: m.index + m[0].length, score });
      break;
    }
  }
}
