import { StrataError } from '../../core/index.js';

/*
 * The standard normal distribution: Φ (normalCdf) and Φ⁻¹ (normalQuantile), accurate to about 1e-12
 * relative in Φ and 1e-13 in Φ⁻¹ — more than any confidence interval of an A/B test needs, but cheap, and
 * it keeps the hand-computed test values (1.959964, p = 0.034) exact to their printed digits.
 */

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT_2 = Math.SQRT2;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * erfc(x) for x ≥ 0. Below 3 the everywhere-positive series
 *   erf(x) = (2/√π) e^{-x²} Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·5···(2n+1))
 * has no cancellation, and 1 − erf loses at most ~5 digits of erfc's tiny value (erfc(3) ≈ 2e-5).
 * From 3 on, the Laplace continued fraction
 *   erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
 * converges fast and keeps full relative precision deep in the tail, where p-values live.
 */
function erfcNonNegative(x: number): number {
  if (x < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-x2) * sum;
  }
  // Evaluated from the tail upwards: 60 levels are far past convergence for x ≥ 3.
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / (SQRT_PI * f);
}

/** Φ(z): the probability that a standard normal variable is at most z. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  // Computing the smaller tail directly keeps its relative precision (1 − Φ(8) is not 0 here).
  return z < 0 ? 0.5 * erfcNonNegative(-z / SQRT_2) : 1 - 0.5 * erfcNonNegative(z / SQRT_2);
}

/*
 * Acklam's rational approximation of Φ⁻¹ (relative error < 1.15e-9), published coefficients, followed by one
 * Halley step on Φ(x) − p, which brings it to machine-level accuracy.
 */
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239] as const;
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1] as const;
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416] as const;
const P_LOW = 0.02425;

/** Acklam's approximation for 0 < p ≤ 0.5 (the lower half; the upper half follows by symmetry). */
function acklamLowerHalf(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
    (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
}

/** Φ⁻¹(p): the z with normalCdf(z) = p; −∞ at 0, +∞ at 1; invalid_request outside [0, 1]. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) {
    throw new StrataError('invalid_request', `normalQuantile needs a probability in [0, 1], got ${String(p)}.`);
  }
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // 1 − p is exact for p ≥ 0.5, so working in the lower tail loses nothing and keeps Φ(x) − p precise.
  if (p > 0.5) return -normalQuantile(1 - p);
  const x = acklamLowerHalf(p);
  const e = normalCdf(x) - p;
  const u = e * SQRT_2PI * Math.exp((x * x) / 2);
  // exp(x²/2) overflows only for p below ~1e-300; the unrefined value is then still good to 1e-9.
  return Number.isFinite(u) ? x - u / (1 + (x * u) / 2) : x;
}

/** The two-sided critical value for a confidence level: 1.959964 at 0.95. */
export function zForConfidence(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) {
    throw new StrataError('invalid_request', `A confidence level must be between 0 and 1 (exclusive), got ${String(confidence)}.`);
  }
  return normalQuantile(1 - (1 - confidence) / 2);
}
