// Checksums and structural rules of identifier formats. Each takes the matched text (separators allowed) and
// answers whether the identifier can be real; recognisers run them only after a regex has matched the shape.
import { isIP } from 'node:net';

/** The digits of `s`, separators dropped. */
export function digitsOf(s: string): string {
  // copied as runs of digits (matched identifiers have a few separators), not one concatenation per digit
  let out = '';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (run < i) out += s.slice(run, i);
    run = i + 1;
  }
  return run === 0 ? s : run < s.length ? out + s.slice(run) : out;
}

/** Luhn (mod 10) checksum over a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Payment card: 13-19 digits, a known issuer prefix (IIN) with its lengths, and Luhn. */
export function cardNumberValid(s: string): boolean {
  const d = digitsOf(s);
  const n = d.length;
  if (n < 13 || n > 19 || !luhnValid(d)) return false;
  const p2 = Number(d.slice(0, 2));
  const p4 = Number(d.slice(0, 4));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499)) return n >= 16; // Discover
  if (p2 === 35) return n >= 16; // JCB
  if (p2 === 36 || p2 === 38 || p2 === 30 || p2 === 39) return n >= 14; // Diners Club
  if (p2 === 62) return n >= 16; // UnionPay
  if (d[0] === '5' || d[0] === '6') return n >= 16; // Maestro ranges
  return false;
}

/** IBAN lengths by ISO 3166 country code (SWIFT IBAN registry). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18,
  GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32,
  LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28,
  TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** IBAN: the country's registered length and the ISO 7064 mod-97 check (remainder 1). */
export function ibanValid(s: string): boolean {
  const iban = s.replace(/[\s-]/g, '').toUpperCase();
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** US SSN: no area 000, 666 or 9xx; no group 00; no serial 0000 (SSA rules since 2011 randomisation). */
export function ssnValid(s: string): boolean {
  const d = digitsOf(s);
  if (d.length !== 9) return false;
  const area = d.slice(0, 3);
  if (area === '000' || area === '666' || d[0] === '9') return false;
  return d.slice(3, 5) !== '00' && d.slice(5) !== '0000';
}

/** US ITIN: 9xx area and a group in 50-65, 70-88, 90-92 or 94-99. */
export function itinValid(s: string): boolean {
  const d = digitsOf(s);
  if (d.length !== 9 || d[0] !== '9') return false;
  const g = Number(d.slice(3, 5));
  return (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || (g >= 94 && g <= 99);
}

/** ABA routing number: weights 3-7-1 sum to a multiple of 10, and a Federal Reserve prefix (00-12, 21-32, 61-72, 80). */
export function abaRoutingValid(s: string): boolean {
  const d = digitsOf(s);
  if (d.length !== 9) return false;
  const p = Number(d.slice(0, 2));
  if (!((p <= 12) || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p === 80)) return false;
  const w = [3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (d.charCodeAt(i) - 48) * w[i % 3]!;
  return sum % 10 === 0 && d !== '000000000';
}

const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

const VIN_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';
const VIN_LETTER_VALUES = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9];

/** ISO 3779 transliteration of a VIN character to its value; -1 for I, O, Q and anything else. */
function vinValue(ch: string): number {
  const c = ch.charCodeAt(0);
  if (c >= 48 && c <= 57) return c - 48;
  const i = VIN_LETTERS.indexOf(ch);
  return i < 0 ? -1 : VIN_LETTER_VALUES[i]!;
}

/** VIN: 17 characters without I, O, Q, and the North American check digit in position 9. */
export function vinValid(s: string): boolean {
  const v = s.toUpperCase();
  if (v.length !== 17) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const x = vinValue(v[i]!);
    if (x < 0) return false;
    sum += x * VIN_WEIGHTS[i]!;
  }
  const r = sum % 11;
  return v[8] === (r === 10 ? 'X' : String(r));
}

/** NHS number: 10 digits, mod-11 check digit with weights 10..2 (a remainder giving 10 is invalid). */
export function nhsValid(s: string): boolean {
  const d = digitsOf(s);
  if (d.length !== 10) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (d.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === d.charCodeAt(9) - 48;
}

const NINO_BAD_PREFIX = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/** UK National Insurance number: prefix letters allowed by HMRC, not D/F/I/Q/U/V, second not O, suffix A-D. */
export function ninoValid(s: string): boolean {
  const n = s.replace(/\s/g, '').toUpperCase();
  if (!/^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/.test(n)) return false;
  return !NINO_BAD_PREFIX.has(n.slice(0, 2));
}

/** UK UTR: 10 digits whose first digit is the check digit of the other nine (HMRC weights 6,7,8,9,10,5,4,3,2). */
export function utrValid(s: string): boolean {
  const d = digitsOf(s);
  if (d.length !== 10) return false;
  const w = [6, 7, 8, 9, 10, 5, 4, 3, 2];
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (d.charCodeAt(i + 1) - 48) * w[i]!;
  return '21987654321'[sum % 11] === d[0];
}

/** Canadian SIN: 9 digits, Luhn, and a first digit in use (not 0 or 8). */
export function sinValid(s: string): boolean {
  const d = digitsOf(s);
  return d.length === 9 && d[0] !== '0' && d[0] !== '8' && luhnValid(d);
}

/** Ontario health number (10 digits, Luhn over all ten) or BC PHN (10 digits from 9, mod-11 weights 2,4,8,5,10,9,7,3). */
export function caHealthDigitsValid(s: string): boolean {
  const d = digitsOf(s);
  if (d.length !== 10) return false;
  if (d[0] === '9') {
    const w = [2, 4, 8, 5, 10, 9, 7, 3];
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += ((d.charCodeAt(i + 1) - 48) * w[i]!) % 11;
    const check = 11 - (sum % 11);
    if (check === (d.charCodeAt(9) - 48)) return true;
  }
  return luhnValid(d);
}

/** IPv4 or IPv6 by real parsing (node:net). */
export function ipValid(s: string): boolean {
  return isIP(s) !== 0;
}

/** Card expiry: month 01-12 and a plausible year (2000-2099). */
export function expiryValid(s: string): boolean {
  const m = /^(\d{1,2})\s*[/-]\s*(\d{2}|\d{4})$/.exec(s);
  if (!m) return false;
  const month = Number(m[1]);
  const year = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  return month >= 1 && month <= 12 && year >= 2000 && year <= 2099;
}

/** ISO 3166 alpha-2 country codes, for SWIFT/BIC positions 5-6. */
const COUNTRIES = new Set(
  ('AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BW BY BZ CA CC CD CF CG CH ' +
    'CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL ' +
    'GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB ' +
    'LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO ' +
    'NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SK SL SM SN SO SR SS ' +
    'ST SV SX SY SZ TC TD TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW')
    .split(' '),
);

/** SWIFT/BIC: 4-letter bank, ISO country, 2-character location, optional 3-character branch. */
export function swiftValid(s: string): boolean {
  return (s.length === 8 || s.length === 11) && COUNTRIES.has(s.slice(4, 6));
}
