import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/** Time-sortable random id: `<prefix>_<10 chars time><16 chars random>`. */
export function newId(prefix: string, now: number = Date.now()): string {
  let t = now;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(10);
  let rand = '';
  for (let i = 0; i < 16; i++) {
    // 10 bytes = 80 bits = 16 base32 chars
    const bit = i * 5;
    const byte = bit >> 3;
    const shift = bit & 7;
    const v = ((bytes[byte]! << 8) | (bytes[byte + 1] ?? 0)) >> (11 - shift);
    rand += ALPHABET[v & 31]!;
  }
  return `${prefix}_${time}${rand}`;
}
