/**
 * mulberry32: a tiny, well-distributed 32-bit PRNG for reproducible generated data (Math.random cannot be
 * seeded). Not for statistics that need a long period: experiments use xoshiro128** (prompts/experiments).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
