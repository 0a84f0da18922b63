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
const POSTCODE_END = new RegExp(`(?:${UK_POSTCODE}|${CA_POSTCODE})$`);
const REGION_END = /,?\s+([A-Z]{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)\.?(?:,?\s+\d{5}(?:-\d{4})?)?$/;
const PO_BOX = new RegExp(`\\b(?:P\\.? ?O\\.?|Post Office) ?Box \\d{1,6}((?:${OTHER_TAIL}|${US_TAIL})?)`, 'gi');
const CITY_LINE = new RegExp(`(?<![\\w,] ?)\\b(${CITY}),\\s+([A-Z]{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)(?:\\s+(\\d{5}(?:-\\d{4})?)|(?![\\w]))`, 'g');

/** True when a captured region is a US state / Canadian province code or a US state name. */
function isRegion(s: string): boolean {
  return REGION_CODE_SET.has(s) || US_STATE_SET.has(s.toLowerCase());
}

/** Scans `text` for postal addresses and pushes findings at or above `threshold`. */
export function scanAddresses(text: string, threshold: number, out: PiiFinding[], evidence: AddressEvidence = { gazetteer: true }): void {
  STREET.lastIndex = 0;
  for (let m = STREET.exec(text); m !== null; m = STREET.exec(text)) {
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
  PO_BOX.lastIndex = 0;
  for (let m = PO_BOX.exec(text); m !== null; m = PO_BOX.exec(text)) {
    if (0.85 >= threshold) out.push({ type: 'ADDRESS', start: m.index, end: m.index + m[0].length, score: 0.85 });
  }
  CITY_LINE.lastIndex = 0;
  for (let m = CITY_LINE.exec(text); m !== null; m = CITY_LINE.exec(text)) {
    const city = m[1]!;
    const region = m[2]!;
    const zip = m[3];
    if (!isRegion(region)) continue;
    const knownCity = evidence.gazetteer && CITY_SET.has(city.toLowerCase());
    const score = zip ? 0.8 : knownCity ? 0.6 : 0.35;
    if (score >= threshold) out.push({ type: 'ADDRESS', start: m.index, end: m.index + m[0].length, score });
  }
}
