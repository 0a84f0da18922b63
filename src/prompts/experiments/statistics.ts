import { StrataError } from '../../core/index.js';
import { normalCdf, zForConfidence } from './normal.js';
import { createRandom, type Random } from './random.js';

/** A point estimate with the bounds of its confidence interval. */
export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/** The result of comparing two proportions (first minus second). */
export interface ProportionTest {
  /** p1 − p2 */
  diff: number;
  /** pooled z statistic of p1 − p2 */
  z: number;
  /** two-sided p-value of the pooled z-test */
  pValue: number;
  /** Newcombe hybrid-score interval of p1 − p2 */
  low: number;
  high: number;
}

/** The result of comparing two means by bootstrap: mean(b) − mean(a). */
export interface MeanDifference {
  diff: number;
  low: number;
  high: number;
  pValue: number;
}

export interface BootstrapOptions {
  /** confidence level of the interval; default 0.95 */
  confidence?: number;
  /** bootstrap resamples; default 2000 */
  resamples?: number;
  /** PRNG seed (a 32-bit integer); default 1 — the same seed gives the same interval */
  seed?: number;
}

const DEFAULT_RESAMPLES = 2000;
const DEFAULT_SEED = 1;

function invalid(message: string): StrataError {
  return new StrataError('invalid_request', message);
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw invalid(`${name} must be a whole number ≥ 0, got ${String(value)}.`);
}

function checkFinite(name: string, values: readonly number[]): void {
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${name} must hold finite numbers only, got ${String(v)}.`);
  }
}

/** Arithmetic mean (NaN for no values). */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] ?? 0;
  return sum / values.length;
}

/**
 * Linear interpolation between closest ranks on sorted data (Hyndman & Fan type 7, the default of numpy,
 * R and spreadsheets' PERCENTILE.INC): rank h = (n − 1)·p/100, value x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
 */
function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const x0 = sorted[lo] ?? NaN;
  const x1 = sorted[hi] ?? NaN;
  return x0 + (h - lo) * (x1 - x0);
}

/**
 * The p-th percentile (p in [0, 100]; 50 = median, 95 = p95) by linear interpolation between closest ranks
 * (type 7: percentile([1, 2, 3, 4], 50) = 2.5). NaN for no values. The input is not modified.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw invalid(`A percentile must be between 0 and 100, got ${String(p)}.`);
  checkFinite('percentile values', values);
  return percentileOfSorted(Float64Array.from(values).sort(), p);
}

/**
 * Wilson score interval of a proportion. Unlike the Wald interval it stays inside [0, 1] and keeps its
 * coverage at 0/n and n/n, which is exactly where an arm with few errors sits. With n = 0 nothing is known:
 * the estimate is NaN and the interval is the whole [0, 1].
 */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): Interval {
  checkCount('n', n);
  checkCount('successes', successes);
  if (successes > n) throw invalid(`successes (${successes}) cannot exceed n (${n}).`);
  const z = zForConfidence(confidence);
  if (n === 0) return { estimate: NaN, low: 0, high: 1 };
  const p = successes / n;
  const z2n = (z * z) / n;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  // At 0/n and n/n the bound is 0 or 1 exactly in real arithmetic; rounding must not push it past.
  return {
    estimate: p,
    low: successes === 0 ? 0 : Math.max(0, center - half),
    high: successes === n ? 1 : Math.min(1, center + half),
  };
}

/**
 * Compares two proportions s1/n1 and s2/n2. The p-value is the two-sided pooled z-test (under the null the
 * two rates are equal, so their common rate estimates the variance). The interval of p1 − p2 is Newcombe's
 * hybrid score interval (method 10, 1998), built from the two Wilson intervals: it behaves at rates near 0
 * and 1 where the Wald interval collapses to zero width. If either n is 0 there is nothing to compare: diff
 * and z are NaN, the p-value is 1 and the interval is [−1, 1]. If both arms are all-success or all-failure
 * the pooled variance is 0: z is 0 and the p-value 1 (no observed difference).
 */
export function twoProportionTest(s1: number, n1: number, s2: number, n2: number, confidence = 0.95): ProportionTest {
  const w1 = wilsonInterval(s1, n1, confidence);
  const w2 = wilsonInterval(s2, n2, confidence);
  if (n1 === 0 || n2 === 0) return { diff: NaN, z: NaN, pValue: 1, low: -1, high: 1 };
  const p1 = s1 / n1;
  const p2 = s2 / n2;
  const diff = p1 - p2;
  const pooled = (s1 + s2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = se === 0 ? 0 : diff / se;
  // Φ(−|z|) rather than 1 − Φ(|z|): small p-values keep their precision.
  const pValue = Math.min(1, 2 * normalCdf(-Math.abs(z)));
  const low = diff - Math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2);
  const high = diff + Math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2);
  return { diff, z, pValue, low: Math.max(-1, low), high: Math.min(1, high) };
}

/**
 * Means of `resamples` bootstrap resamples (drawn with replacement, same size as the data). Exported within
 * the module (not from its index) so that experiment results resample each arm once and reuse the means for
 * the arm's own interval and for every comparison with it.
 */
export function resampleMeans(values: readonly number[], resamples: number, random: Random): Float64Array {
  const n = values.length;
  // A typed copy keeps the hot loop free of holes and of the `?? 0` that an index into number[] needs.
  const data = Float64Array.from(values);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += data[(random() * n) | 0]!;
    means[r] = sum / n;
  }
  return means;
}

/** The percentile interval around `estimate` from resampled means (left in their order: rounds stay paired). */
export function intervalFromResampledMeans(estimate: number, means: Float64Array, confidence: number): Interval {
  const sorted = Float64Array.from(means).sort();
  const alpha = 1 - confidence;
  return {
    estimate,
    low: percentileOfSorted(sorted, (alpha / 2) * 100),
    high: percentileOfSorted(sorted, (1 - alpha / 2) * 100),
  };
}

/**
 * mean(b) − mean(a) with its percentile interval and the interval-inverting p-value, from the two samples'
 * resampled means (paired round by round; the rounds are independent, so this is independent resampling).
 */
export function diffFromResampledMeans(diff: number, meansA: Float64Array, meansB: Float64Array, confidence: number): MeanDifference {
  const resamples = Math.min(meansA.length, meansB.length);
  const diffs = new Float64Array(resamples);
  let atOrBelow = 0;
  let atOrAbove = 0;
  for (let r = 0; r < resamples; r++) {
    const d = meansB[r]! - meansA[r]!;
    diffs[r] = d;
    if (d <= 0) atOrBelow++;
    if (d >= 0) atOrAbove++;
  }
  const { low, high } = intervalFromResampledMeans(diff, diffs, confidence);
  const pValue = Math.min(1, (2 * (Math.min(atOrBelow, atOrAbove) + 1)) / (resamples + 1));
  return { diff, low, high, pValue };
}

function resolveOptions(opts: BootstrapOptions | undefined): { confidence: number; resamples: number; seed: number } {
  const confidence = opts?.confidence ?? 0.95;
  const resamples = opts?.resamples ?? DEFAULT_RESAMPLES;
  const seed = opts?.seed ?? DEFAULT_SEED;
  if (!(confidence > 0 && confidence < 1)) throw invalid(`A confidence level must be between 0 and 1 (exclusive), got ${String(confidence)}.`);
  if (!Number.isInteger(resamples) || resamples < 100) throw invalid(`A bootstrap needs a whole number of at least 100 resamples, got ${String(resamples)}.`);
  if (!Number.isFinite(seed)) throw invalid(`A bootstrap seed must be a finite number, got ${String(seed)}.`);
  return { confidence, resamples, seed };
}

/**
 * Percentile-bootstrap interval of a mean: resample with replacement, take the α/2 and 1 − α/2 percentiles
 * of the resampled means. It assumes no shape (latencies and costs are skewed) and, seeded, is reproducible.
 * No values: all three are NaN. One value: the interval is that value.
 */
export function bootstrapMeanInterval(values: readonly number[], opts?: BootstrapOptions): Interval {
  const { confidence, resamples, seed } = resolveOptions(opts);
  checkFinite('bootstrap values', values);
  if (values.length === 0) return { estimate: NaN, low: NaN, high: NaN };
  return intervalFromResampledMeans(mean(values), resampleMeans(values, resamples, createRandom(seed)), confidence);
}

/**
 * Bootstrap comparison of two independent samples: diff = mean(b) − mean(a), its percentile interval (a and b
 * resampled separately each round), and a two-sided p-value by inverting that interval: twice the smaller
 * share of resampled differences on either side of 0, with the +1 correction ((k + 1)/(B + 1)) so that a
 * finite number of resamples never claims p = 0. p < 1 − confidence then agrees with "0 is outside the
 * interval" (up to that correction), so a verdict's p-value and interval never contradict each other.
 * We chose this over a permutation test because a permutation test asks whether the two distributions are
 * equal, while the verdict is about the means, whose spreads may differ between arms.
 * Either sample empty: diff, low and high are NaN and the p-value is 1.
 */
export function bootstrapDiffOfMeans(a: readonly number[], b: readonly number[], opts?: BootstrapOptions): MeanDifference {
  const { confidence, resamples, seed } = resolveOptions(opts);
  checkFinite('bootstrap values', a);
  checkFinite('bootstrap values', b);
  if (a.length === 0 || b.length === 0) return { diff: NaN, low: NaN, high: NaN, pValue: 1 };
  const random = createRandom(seed);
  const meansA = resampleMeans(a, resamples, random);
  const meansB = resampleMeans(b, resamples, random);
  return diffFromResampledMeans(mean(b) - mean(a), meansA, meansB, confidence);
}
