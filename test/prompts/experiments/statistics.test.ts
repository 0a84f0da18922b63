import { describe, expect, it } from 'vitest';
import {
  bootstrapDiffOfMeans,
  bootstrapMeanInterval,
  createRandom,
  normalCdf,
  normalQuantile,
  percentile,
  twoProportionTest,
  wilsonInterval,
} from '../../../src/prompts/experiments/index.js';
import { normalSample } from './normal-data.js';
import { thrown } from './thrown.js';

describe('normal distribution', () => {
  it('normalQuantile matches the table values', () => {
    // Φ⁻¹(0.975) = 1.959963984540054 and Φ⁻¹(0.001) = −3.090232306167814 (standard tables).
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(Math.abs(normalQuantile(0.975) - 1.959963984540054)).toBeLessThan(1e-9);
    expect(Math.abs(normalQuantile(0.001) + 3.090232306167814)).toBeLessThan(1e-9);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });

  it('normalCdf matches the table values, with relative precision deep in the tails', () => {
    expect(Math.abs(normalCdf(1.96) - 0.9750021048517795)).toBeLessThan(1e-12);
    expect(normalCdf(0)).toBe(0.5);
    expect(Math.abs(normalCdf(-3) - 0.0013498980316301) / 0.0013498980316301).toBeLessThan(1e-9);
    // 1 − Φ(6) ≈ 9.8659e-10: computed as 1 − something it would keep only ~7 digits.
    expect(Math.abs(normalCdf(-6) - 9.865876450377e-10) / 9.865876450377e-10).toBeLessThan(1e-9);
  });

  it('normalQuantile inverts normalCdf across the range, tails included', () => {
    for (const p of [1e-12, 1e-6, 0.001, 0.02, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98, 0.999, 1 - 1e-9]) {
      const z = normalQuantile(p);
      expect(Math.abs(normalCdf(z) - p) / Math.min(p, 1 - p)).toBeLessThan(1e-7);
    }
  });

  it('rejects probabilities outside [0, 1]', () => {
    for (const p of [-0.1, 1.1, Number.NaN]) expect(thrown(() => normalQuantile(p)).code).toBe('invalid_request');
  });
});

describe('percentile', () => {
  it('interpolates linearly between closest ranks', () => {
    // [1, 2, 3, 4], p50: rank h = (4 − 1)·0.50 = 1.5 → x[1] + 0.5·(x[2] − x[1]) = 2 + 0.5·1 = 2.5
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    // 1..10, p95: h = (10 − 1)·0.95 = 8.55 → x[8] + 0.55·(x[9] − x[8]) = 9 + 0.55·1 = 9.55
    const ten = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(percentile(ten, 95)).toBeCloseTo(9.55, 12);
    // 1..10, p50: h = 4.5 → 5 + 0.5·1 = 5.5
    expect(percentile(ten, 50)).toBe(5.5);
    expect(percentile(ten, 0)).toBe(1);
    expect(percentile(ten, 100)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('leaves its input as it was', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it('rejects p outside [0, 100] and non-finite values', () => {
    expect(thrown(() => percentile([1, 2], 101)).code).toBe('invalid_request');
    expect(thrown(() => percentile([1, 2], -1)).code).toBe('invalid_request');
    expect(thrown(() => percentile([1, Number.NaN], 50)).code).toBe('invalid_request');
  });
});

describe('Wilson interval', () => {
  it('45/100 at 95% ≈ [0.3561, 0.5475]', () => {
    // z = 1.959964, z² = 3.841459, p̂ = 0.45, n = 100
    // center = (p̂ + z²/2n) / (1 + z²/n) = (0.45 + 0.019207) / 1.038415 = 0.451849
    // half   = z/(1 + z²/n) · √(p̂(1−p̂)/n + z²/4n²) = 1.887468 · √(0.002475 + 0.0000960) = 1.887468 · 0.050705 = 0.095704
    // → [0.356145, 0.547553]
    const w = wilsonInterval(45, 100);
    expect(w.estimate).toBe(0.45);
    expect(w.low).toBeCloseTo(0.356145, 5);
    expect(w.high).toBeCloseTo(0.547554, 5);
  });

  it('0/10 → [0, 0.2775] and 10/10 → [0.7225, 1]', () => {
    // 0/10: center = (0 + 3.841459/20) / (1 + 0.3841459) = 0.192073 / 1.384146 = 0.138767
    //       half   = (1.959964 / 1.384146) · √(3.841459/400) = 1.416010 · 0.097998 = 0.138767 → [0, 0.277533]
    // 10/10 is the mirror image: [1 − 0.277533, 1] = [0.722467, 1]
    const none = wilsonInterval(0, 10);
    expect(none).toEqual({ estimate: 0, low: 0, high: expect.closeTo(0.277533, 5) as number });
    const all = wilsonInterval(10, 10);
    expect(all.estimate).toBe(1);
    expect(all.low).toBeCloseTo(0.722467, 5);
    expect(all.high).toBe(1);
  });

  it('narrows at other confidence levels as expected and knows nothing at n = 0', () => {
    // 99% uses z = 2.575829: wider than 95%.
    const w99 = wilsonInterval(45, 100, 0.99);
    expect(w99.low).toBeLessThan(0.356145);
    expect(w99.high).toBeGreaterThan(0.547554);
    const empty = wilsonInterval(0, 0);
    expect(empty.estimate).toBeNaN();
    expect([empty.low, empty.high]).toEqual([0, 1]);
  });

  it('rejects impossible counts', () => {
    expect(thrown(() => wilsonInterval(11, 10)).code).toBe('invalid_request');
    expect(thrown(() => wilsonInterval(-1, 10)).code).toBe('invalid_request');
    expect(thrown(() => wilsonInterval(1.5, 10)).code).toBe('invalid_request');
    expect(thrown(() => wilsonInterval(1, 10, 1)).code).toBe('invalid_request');
  });
});

describe('two-proportion test', () => {
  it('45/100 vs 60/100: z ≈ −2.12, p ≈ 0.034, Newcombe interval ≈ [−0.2804, −0.0117]', () => {
    // pooled p̄ = 105/200 = 0.525; se = √(0.525·0.475·(1/100 + 1/100)) = √0.0049875 = 0.070622
    // z = (0.45 − 0.60) / 0.070622 = −2.1240; p = 2·Φ(−2.1240) = 2·0.016836 = 0.03367
    // Newcombe from the Wilson intervals [0.356145, 0.547554] (45/100) and [0.502003, 0.690599] (60/100):
    // low  = −0.15 − √((0.45 − 0.356145)² + (0.690599 − 0.60)²) = −0.15 − √(0.008809 + 0.008208) = −0.280449
    // high = −0.15 + √((0.547554 − 0.45)² + (0.60 − 0.502003)²) = −0.15 + √(0.009517 + 0.009603) = −0.011724
    const t = twoProportionTest(45, 100, 60, 100);
    expect(t.diff).toBeCloseTo(-0.15, 12);
    expect(t.z).toBeCloseTo(-2.124, 3);
    expect(t.pValue).toBeCloseTo(0.03367, 4);
    expect(t.low).toBeCloseTo(-0.280449, 4);
    expect(t.high).toBeCloseTo(-0.011724, 4);
  });

  it('is antisymmetric in its two samples', () => {
    const t = twoProportionTest(60, 100, 45, 100);
    expect(t.z).toBeCloseTo(2.124, 3);
    expect(t.pValue).toBeCloseTo(0.03367, 4);
    expect(t.low).toBeCloseTo(0.011724, 4);
    expect(t.high).toBeCloseTo(0.280449, 4);
  });

  it('finds nothing when there is nothing to find', () => {
    const same = twoProportionTest(0, 50, 0, 80);
    expect([same.diff, same.z, same.pValue]).toEqual([0, 0, 1]);
    expect(same.low).toBeLessThan(0);
    expect(same.high).toBeGreaterThan(0);
    const empty = twoProportionTest(0, 0, 3, 10);
    expect(empty.diff).toBeNaN();
    expect([empty.pValue, empty.low, empty.high]).toEqual([1, -1, 1]);
  });
});

describe('seeded PRNG', () => {
  it('repeats for one seed, differs between seeds, and stays in [0, 1)', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    // mean of 1,000 uniforms: 0.5 ± 0.0091 (sd) — 0.45..0.55 is over five sds.
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeGreaterThan(0.45);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeLessThan(0.55);
  });
});

describe('bootstrap interval of a mean', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('brackets the mean of 1..100 about as wide as the normal approximation says, reproducibly', () => {
    // mean = 50.5; population sd = √((100² − 1)/12) = √833.25 = 28.866; se = 28.866/√100 = 2.8866
    // normal 95% interval: 50.5 ± 1.959964·2.8866 = 50.5 ± 5.658 → [44.84, 56.16]
    const r = bootstrapMeanInterval(oneToHundred, { seed: 7 });
    expect(r.estimate).toBe(50.5);
    expect(r.low).toBeLessThan(50.5);
    expect(r.high).toBeGreaterThan(50.5);
    expect(Math.abs(r.low - 44.84)).toBeLessThan(0.6);
    expect(Math.abs(r.high - 56.16)).toBeLessThan(0.6);
    expect(bootstrapMeanInterval(oneToHundred, { seed: 7 })).toEqual(r);
    expect(bootstrapMeanInterval(oneToHundred, { seed: 8 })).not.toEqual(r);
  });

  it('covers the true mean about 95% of the time', () => {
    // 200 samples of 50 draws from N(0, 1): a calibrated 95% interval misses 0 about 10 times (sd ≈ 3).
    let covered = 0;
    for (let i = 0; i < 200; i++) {
      const r = bootstrapMeanInterval(normalSample(50, 0, 1, 1000 + i), { seed: i, resamples: 1000 });
      if (r.low <= 0 && r.high >= 0) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(176); // ≥ 88%
    expect(covered).toBeLessThanOrEqual(198); // ≤ 99%
  });

  it('handles no values, one value, and rejects bad input', () => {
    const none = bootstrapMeanInterval([]);
    expect([none.estimate, none.low, none.high].every(Number.isNaN)).toBe(true);
    expect(bootstrapMeanInterval([3])).toEqual({ estimate: 3, low: 3, high: 3 });
    expect(thrown(() => bootstrapMeanInterval([1, Infinity])).code).toBe('invalid_request');
    expect(thrown(() => bootstrapMeanInterval([1, 2], { resamples: 10 })).code).toBe('invalid_request');
    expect(thrown(() => bootstrapMeanInterval([1, 2], { confidence: 95 })).code).toBe('invalid_request');
  });
});

describe('bootstrap difference of means', () => {
  it('detects means of 100 vs 150 (n = 200 each)', () => {
    // sd 30: se of the difference = 30·√(2/200) = 3, so 50 is ~17 standard errors from 0.
    const a = normalSample(200, 100, 30, 1);
    const b = normalSample(200, 150, 30, 2);
    const r = bootstrapDiffOfMeans(a, b, { seed: 3 });
    expect(r.diff).toBeGreaterThan(44);
    expect(r.diff).toBeLessThan(56);
    expect(r.low).toBeGreaterThan(0);
    expect(r.low).toBeLessThan(r.diff);
    expect(r.high).toBeGreaterThan(r.diff);
    // With 2,000 resamples the smallest reportable p is 2/2001.
    expect(r.pValue).toBeLessThan(0.001);
    expect(bootstrapDiffOfMeans(a, b, { seed: 3 })).toEqual(r);
    // mean(b) − mean(a): swapping the samples flips the sign.
    expect(bootstrapDiffOfMeans(b, a, { seed: 3 }).diff).toBeCloseTo(-r.diff, 9);
  });

  it('finds no difference between two samples of one distribution', () => {
    const a = normalSample(200, 100, 30, 11);
    const b = normalSample(200, 100, 30, 12);
    const r = bootstrapDiffOfMeans(a, b, { seed: 3 });
    expect(r.low).toBeLessThan(0);
    expect(r.high).toBeGreaterThan(0);
    expect(r.pValue).toBeGreaterThan(0.05);
  });

  it('finds exactly no difference between a sample and itself reordered', () => {
    const a = normalSample(200, 100, 30, 21);
    const r = bootstrapDiffOfMeans(a, [...a].reverse(), { seed: 3 });
    expect(r.diff).toBeCloseTo(0, 9);
    expect(r.low).toBeLessThan(0);
    expect(r.high).toBeGreaterThan(0);
    expect(r.pValue).toBeGreaterThan(0.5);
  });

  it('says nothing when a sample is empty', () => {
    const r = bootstrapDiffOfMeans([], [1, 2, 3]);
    expect(r.diff).toBeNaN();
    expect(r.pValue).toBe(1);
  });
});
