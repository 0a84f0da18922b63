import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

// One syscall fills randomness for 409 ids; ids are made on every request.
const POOL = Buffer.allocUnsafe(4096);
let poolOffset = POOL.length;

function randomChars(n: number): string {
  if (poolOffset + n > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[POOL[poolOffset + i]! & 31]!;
  poolOffset += n;
  return s;
}

/** Time-sortable random id: `<prefix>_<10 chars time><16 chars random>` (80 random bits). */
export function newId(prefix: string, now: number = Date.now()): string {
  let t = now;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}${randomChars(16)}`;
}
