// Value generators for the labelled synthetic PII set: every built-in type in several real-world formats, with
// valid checksums, plus near misses (right shape, wrong checksum or rules) that must not be detected.
import { FIRST_NAMES } from '../data/first-names.js';
import { SURNAMES } from '../data/surnames.js';
import { luhnValid } from '../validators.js';

export type Rand = () => number;

export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
export const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const digits = (r: Rand, n: number): string => Array.from({ length: n }, () => String(int(r, 0, 9))).join('');
const chars = (r: Rand, alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[int(r, 0, alphabet.length - 1)]).join('');
const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const cap = (w: string): string => w[0]!.toUpperCase() + w.slice(1);
const IRISH_O = new Set(['obrien', 'oconnor', 'oconnell', 'oneal', 'oneill']);
const capName = (w: string): string =>
  w.startsWith('mc') && w.length > 4 ? 'Mc' + cap(w.slice(2)) : IRISH_O.has(w) ? `O'${cap(w.slice(1))}` : cap(w);

const GAZ_FIRST = FIRST_NAMES.split(/\s+/).filter(Boolean);
const GAZ_LAST = SURNAMES.split(/\s+/).filter(Boolean);
// names the gazetteers do not contain, so that recall also measures the patterns (filtered to stay out of vocabulary)
const OOV_FIRST = 'Aurelio Brisa Caelan Dariusz Eluned Fionnuala Gaspard Halvard Idris Jolanta Kwabena Leocadia Mireille Nkechi Oisin Perpetua Radomir Siobhan Tadeusz Ulrike Vesna Wojciech Ximena Yevgenia Zbigniew Anselm Bronagh Casimir Dagny Evander'
  .split(' ').filter((n) => !GAZ_FIRST.includes(n.toLowerCase()));
const OOV_LAST = 'Abernathy Brannigan Castellanos Drummond Eriksdottir Fairweather Grzybowski Halvorsen Iwasaki Jablonski Kettering Lindqvist Montgomerie Nakashima Oyelaran Przybylski Quackenbush Rutherford Szczepanski Thistlewood Umberfield Vanterpool Wojcik Yarborough Zielinski'
  .split(' ').filter((n) => !GAZ_LAST.includes(n.toLowerCase()));

export const firstName = (r: Rand): string => (r() < 0.8 ? capName(pick(r, GAZ_FIRST)) : pick(r, OOV_FIRST));
export const lastName = (r: Rand): string => (r() < 0.8 ? capName(pick(r, GAZ_LAST)) : pick(r, OOV_LAST));
export const fullName = (r: Rand): string => {
  const x = r();
  if (x < 0.15) return `${firstName(r)} ${pick(r, UP.split(''))}. ${lastName(r)}`;
  return `${firstName(r)} ${lastName(r)}`;
};

const STREETS = ['Maple', 'Oak', 'Cedar', 'Elm', 'Washington', 'Lake', 'Hill', 'Park', 'Sunset', 'Pine', 'Main', 'Church', 'High', 'Mill', 'Spring', 'Ridge', 'Highland', 'Willow', 'Chestnut', 'Jefferson', 'Lincoln', 'Franklin', 'Broad', 'Market', 'Union', 'River', 'Forest', 'Meadow', 'Baker', 'King', 'Queen', 'Victoria', 'Station', 'Walnut', 'Birch', 'Harbor'];
const SUFFIXES = ['Street', 'St', 'St.', 'Avenue', 'Ave', 'Ave.', 'Road', 'Rd', 'Boulevard', 'Blvd', 'Lane', 'Ln', 'Drive', 'Dr', 'Court', 'Ct', 'Place', 'Way', 'Terrace', 'Parkway', 'Circle'];
const US_PLACES: readonly (readonly [string, string])[] = [['Springfield', 'IL'], ['Portland', 'OR'], ['Austin', 'TX'], ['Denver', 'CO'], ['Seattle', 'WA'], ['Boston', 'MA'], ['Columbus', 'OH'], ['Madison', 'WI'], ['Raleigh', 'NC'], ['Tucson', 'AZ'], ['Fairview', 'TN'], ['Oak Ridge', 'TN'], ['Brookfield', 'CT'], ['San Diego', 'California']];

export function address(r: Rand): string {
  const x = r();
  if (x < 0.1) return `PO Box ${int(r, 10, 99999)}, ${pick(r, US_PLACES).join(', ')} ${digits(r, 5)}`;
  if (x < 0.2) return `${int(r, 1, 299)}${r() < 0.3 ? 'B' : ''} ${pick(r, STREETS)} ${pick(r, ['Street', 'Road', 'Lane'])}, ${pick(r, ['London', 'Manchester', 'Leeds', 'Bristol'])} ${pick(r, ['NW1 6XE', 'M1 1AE', 'LS1 4AP', 'BS1 5TR', 'SW1A 2AA'])}`;
  const dir = r() < 0.15 ? `${pick(r, ['N', 'S', 'E', 'W', 'North', 'West'])} ` : '';
  const name = r() < 0.2 ? `${pick(r, STREETS)} ${pick(r, ['Creek', 'Valley', 'Grove', 'Hill'])}` : pick(r, STREETS);
  let s = `${int(r, 1, 9999)} ${dir}${name} ${pick(r, SUFFIXES)}`;
  if (r() < 0.25) s += `, ${pick(r, ['Apt', 'Apt.', 'Suite', 'Unit', '#'])} ${int(r, 1, 40)}${r() < 0.3 ? pick(r, ['A', 'B', 'C']) : ''}`;
  if (r() < 0.6) {
    const [city, st] = pick(r, US_PLACES);
    s += `, ${city}, ${st}${r() < 0.8 ? ` ${digits(r, 5)}` : ''}`;
  }
  return s;
}

const withCheck = (body: string, ok: boolean): string => {
  for (let d = 0; d < 10; d++) if (luhnValid(body + d) === ok) return body + d;
  return body + '0';
};
const group = (s: string, sizes: readonly number[], sep: string): string => {
  const parts: string[] = [];
  let at = 0;
  for (const n of sizes) {
    parts.push(s.slice(at, at + n));
    at += n;
  }
  return parts.join(sep);
};

export function cardNumber(r: Rand, valid = true): string {
  const kind = int(r, 0, 3);
  if (kind === 3) {
    const n = withCheck(pick(r, ['34', '37']) + digits(r, 12), valid);
    return group(n, [4, 6, 5], pick(r, [' ', '-', '']));
  }
  const prefix = kind === 0 ? '4' : kind === 1 ? String(int(r, 51, 55)) : '6011';
  const n = withCheck(prefix + digits(r, 15 - prefix.length), valid);
  return group(n, [4, 4, 4, 4], pick(r, [' ', ' ', '-', '']));
}

export const cvv = (r: Rand): string => digits(r, r() < 0.2 ? 4 : 3);
export const expiry = (r: Rand): string => {
  const m = String(int(r, 1, 12)).padStart(2, '0');
  const y = int(r, 25, 34);
  return pick(r, [`${m}/${y}`, `${m}/20${y}`, `${m}-${y}`, `${m}/${y}`]);
};
export const pin = (r: Rand): string => digits(r, pick(r, [4, 4, 4, 6]));

function ibanChecksum(cc: string, bban: string): string {
  const moved = bban + cc + '00';
  let rem = 0;
  for (const ch of moved) rem = /\d/.test(ch) ? (rem * 10 + Number(ch)) % 97 : (rem * 100 + (ch.charCodeAt(0) - 55)) % 97;
  return String(98 - rem).padStart(2, '0');
}
export function iban(r: Rand, valid = true): string {
  const cc = pick(r, ['GB', 'DE', 'FR', 'ES', 'NL', 'IE']);
  const bban = cc === 'GB' || cc === 'IE' ? chars(r, UP, 4) + digits(r, 14) : cc === 'DE' ? digits(r, 18) : cc === 'FR' ? digits(r, 23) : cc === 'NL' ? chars(r, UP, 4) + digits(r, 10) : digits(r, 20);
  let check = ibanChecksum(cc, bban);
  if (!valid) check = String((Number(check) + int(r, 1, 50)) % 97 + 2).padStart(2, '0');
  const s = cc + check + bban;
  return r() < 0.6 ? s.replace(/(.{4})/g, '$1 ').trim() : s;
}

export const swift = (r: Rand): string => pick(r, ['DEUTDEFF', 'BARCGB22', 'CHASUS33', 'BOFAUS3N', 'HSBCGB2L', 'BNPAFRPP', 'CITIUS33XXX', 'NWBKGB2LXXX', 'RBOSGB2L', 'COBADEFFXXX', 'INGBNL2A', 'ROYCCAT2']);
export const ipv4 = (r: Rand): string => `${int(r, 1, 223)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`;
export const ipv6 = (r: Rand): string => pick(r, [`2001:db8:${chars(r, '0123456789abcdef', 4)}::${chars(r, '0123456789abcdef', 3)}`, `fe80::${chars(r, '0123456789abcdef', 4)}:${chars(r, '0123456789abcdef', 4)}:${chars(r, '0123456789abcdef', 4)}`, Array.from({ length: 8 }, () => chars(r, '0123456789abcdef', 4)).join(':')]);
export const mac = (r: Rand): string => {
  const sep = pick(r, [':', '-', ':']);
  const parts = Array.from({ length: 6 }, () => chars(r, '0123456789ABCDEF', 2));
  return (r() < 0.3 ? parts.map((p) => p.toLowerCase()) : parts).join(sep);
};
export const url = (r: Rand): string => `${pick(r, ['https://', 'http://', 'https://www.'])}${pick(r, ['example.com', 'acme-corp.io', 'portal.mybank.co.uk', 'docs.internal.net', 'shop.example.org'])}${pick(r, ['', '/account/settings', '/reset?token=' + chars(r, 'abcdef0123456789', 12), '/u/' + chars(r, 'abcdefghijklmnopqrstuvwxyz', 6), '/orders/' + digits(r, 6)])}`;
export const awsAccessKey = (r: Rand): string => pick(r, ['AKIA', 'AKIA', 'ASIA']) + chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16);
export const awsSecretKey = (r: Rand): string => {
  for (;;) {
    const s = chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+', 40);
    if (/[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s)) return s;
  }
};
export const email = (r: Rand): string => {
  const f = pick(r, GAZ_FIRST);
  const l = pick(r, GAZ_LAST);
  const local = pick(r, [`${f}.${l}`, `${f[0]}${l}`, `${f}${int(r, 1, 99)}`, `${f}_${l}`, `${l}.${f}+news`]);
  return `${local}@${pick(r, ['gmail.com', 'example.com', 'outlook.com', 'acme-corp.io', 'mail.co.uk', 'uni.edu'])}`;
};

export const phone = (r: Rand): string => {
  const area = `${int(r, 2, 9)}${digits(r, 2)}`;
  const ex = `${int(r, 2, 9)}${digits(r, 2)}`;
  const line = digits(r, 4);
  return pick(r, [`(${area}) ${ex}-${line}`, `${area}-${ex}-${line}`, `${area}.${ex}.${line}`, `+1 ${area} ${ex} ${line}`, `+1-${area}-${ex}-${line}`, `+44 20 ${digits(r, 4)} ${digits(r, 4)}`, `020 ${digits(r, 4)} ${digits(r, 4)}`, `07${digits(r, 3)} ${digits(r, 6)}`, `+49 30 ${digits(r, 8)}`]);
};

export const username = (r: Rand): string => pick(r, [`${pick(r, GAZ_FIRST)}${int(r, 1, 999)}`, `${pick(r, GAZ_FIRST)[0]}${pick(r, GAZ_LAST)}`, `${pick(r, GAZ_FIRST)}_${pick(r, GAZ_LAST)}`, `${pick(r, ['dark', 'blue', 'lazy', 'pixel'])}${pick(r, ['wolf', 'coder', 'fox', 'ninja'])}${int(r, 1, 99)}`]);
export const password = (r: Rand): string => chars(r, 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789', int(r, 6, 10)) + pick(r, ['!', '#', '$', '2024', '@1', '']);
export const driverId = (r: Rand): string => pick(r, [`${pick(r, UP.split(''))}${digits(r, 7)}`, `${pick(r, UP.split(''))}${digits(r, 3)}-${digits(r, 4)}-${digits(r, 4)}`, digits(r, 9), `${pick(r, UP.split(''))}${digits(r, 12)}`]);
export const plate = (r: Rand): string => pick(r, [`${int(r, 1, 9)}${chars(r, UP, 3)}${digits(r, 3)}`, `${chars(r, UP, 3)}-${digits(r, 4)}`, `${chars(r, UP, 3)} ${digits(r, 3)}`, `${chars(r, 'ABCDEFGHKLMNOPRSVWY', 2)}${digits(r, 2)} ${chars(r, 'ABCDEFGHJKLMNOPRSTUVWXYZ', 3)}`]);

const VIN_ALPHA = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const VIN_VAL: Record<string, number> = { A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9 };
export function vin(r: Rand, valid = true): string {
  const body = chars(r, VIN_ALPHA, 17).split('');
  body[0] = pick(r, ['1', '2', '3', '5', 'J', 'W']);
  const w = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
  const sum = body.reduce((s, c, i) => s + (/\d/.test(c) ? Number(c) : VIN_VAL[c]!) * w[i]!, 0);
  const check = sum % 11 === 10 ? 'X' : String(sum % 11);
  body[8] = valid ? check : check === '3' ? '4' : '3';
  return body.join('');
}

export const routing = (r: Rand): string => {
  for (;;) {
    const p = pick(r, ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '21', '22', '26', '31', '32', '61', '67']);
    const body = p + digits(r, 6);
    const w = [3, 7, 1, 3, 7, 1, 3, 7];
    const s = body.split('').reduce((a, c, i) => a + Number(c) * w[i]!, 0);
    const check = (10 - (s % 10)) % 10;
    return body + check;
  }
};
export const bankAccount = (r: Rand): string => digits(r, int(r, 8, 12)).replace(/^0/, '7');
export const ssn = (r: Rand, valid = true): string => {
  let area = String(int(r, 1, 899)).padStart(3, '0');
  if (area === '666') area = '667';
  const g = String(int(r, 1, 99)).padStart(2, '0');
  const s = String(int(r, 1, 9999)).padStart(4, '0');
  const bad = pick(r, [`000-${g}-${s}`, `666-${g}-${s}`, `${area}-00-${s}`, `${area}-${g}-0000`, `9${digits(r, 2)}-${g}-${s}`]);
  return valid ? `${area}-${g}-${s}` : bad;
};
export const itin = (r: Rand): string => `9${digits(r, 2)}-${pick(r, [int(r, 70, 88), int(r, 50, 65), int(r, 90, 92), int(r, 94, 99)])}-${digits(r, 4)}`;
export const passport = (r: Rand): string => (r() < 0.5 ? `${pick(r, ['A', 'C', 'E', 'Z'])}${digits(r, 8)}` : `${int(r, 1, 9)}${digits(r, 8)}`);
export const sin = (r: Rand): string => {
  const n = withCheck(String(int(r, 1, 7)) + digits(r, 7), true);
  return group(n, [3, 3, 3], pick(r, [' ', '-', ' ']));
};
export const caHealth = (r: Rand): string => {
  if (r() < 0.3) return `${chars(r, UP, 4)} ${digits(r, 4)} ${digits(r, 4)}`;
  const n = withCheck(String(int(r, 1, 8)) + digits(r, 8), true);
  return group(n, [4, 3, 3], pick(r, ['-', ' '])) + (r() < 0.4 ? `-${chars(r, UP, 2)}` : '');
};
export function nhs(r: Rand, valid = true): string {
  for (;;) {
    const d = digits(r, 9);
    const sum = d.split('').reduce((a, c, i) => a + Number(c) * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    const c = check === 11 ? 0 : check;
    const n = d + (valid ? c : (c + 1) % 10);
    return group(n, [3, 3, 4], pick(r, [' ', ' ', '-', '']));
  }
}
export const nino = (r: Rand): string => {
  const a = pick(r, 'ABCEGHJKLMNPRSTWXYZ'.split(''));
  const b = pick(r, 'ABCEGHJKLMNPRSTWXYZ'.split(''));
  const pre = ['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(a + b) ? 'AB' : a + b;
  const d = digits(r, 6);
  const suf = pick(r, ['A', 'B', 'C', 'D']);
  return r() < 0.5 ? `${pre}${d}${suf}` : `${pre} ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4)} ${suf}`;
};
export const utr = (r: Rand): string => {
  const rest = digits(r, 9);
  const w = [6, 7, 8, 9, 10, 5, 4, 3, 2];
  const sum = rest.split('').reduce((a, c, i) => a + Number(c) * w[i]!, 0);
  const n = '21987654321'[sum % 11]! + rest;
  return r() < 0.5 ? n : `${n.slice(0, 5)} ${n.slice(5)}`;
};
export const age = (r: Rand): string => String(int(r, 18, 94));
