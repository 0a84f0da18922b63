/*
 * A small seeded PRNG so that every bootstrap is reproducible: the same seed gives the same interval in any
 * process (Math.random cannot be seeded). xoshiro128** (Blackman & Vigna): 128-bit state, period 2^128 − 1,
 * passes BigCrush, and needs only 32-bit integer arithmetic, which JavaScript does exactly via Math.imul.
 */

/** A generator of uniforms in [0, 1). */
export type Random = () => number;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The MurmurHash3 32-bit finalizer: a bijection that spreads nearby seeds (1, 2, 3 …) to unrelated states. */
function mix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A reproducible uniform generator; the seed is taken as a 32-bit integer (fractions are truncated). */
export function createRandom(seed: number): Random {
  const base = Math.trunc(seed) >>> 0;
  // mix32 is a bijection and the four inputs differ, so at most one word is 0 and the state is never all-zero.
  let s0 = mix32(base);
  let s1 = mix32(base + 0x9e3779b9);
  let s2 = mix32(base + 0x3c6ef372);
  let s3 = mix32(base + 0xdaa66d2b);
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result / 4294967296;
  };
}

/** A seed derived from a base seed and a label, so that independent streams (one per arm and metric) stay reproducible. */
export function deriveSeed(base: number, label: string): number {
  // FNV-1a over the label's UTF-16 code units, folded into the base seed.
  let h = 0x811c9dc5 ^ (Math.trunc(base) >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}
