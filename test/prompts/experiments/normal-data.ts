import { createRandom } from '../../../src/prompts/experiments/index.js';

/** n draws from N(mean, sd), reproducible from the seed (Box–Muller over the module's own seeded PRNG). */
export function normalSample(n: number, mean: number, sd: number, seed: number): number[] {
  const random = createRandom(seed);
  const out: number[] = [];
  while (out.length < n) {
    // 1 − u is in (0, 1], so the logarithm is finite.
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    out.push(mean + sd * r * Math.cos(theta));
    if (out.length < n) out.push(mean + sd * r * Math.sin(theta));
  }
  return out;
}
