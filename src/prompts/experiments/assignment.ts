import { createHash } from 'node:crypto';
import { StrataError } from '../../core/index.js';

/** One arm of an experiment as assignment sees it: a name and a non-negative weight. */
export interface WeightedArm {
  name: string;
  weight: number;
}

/*
 * Sticky weighted assignment by weighted rendezvous (highest-random-weight) hashing.
 *
 * For each arm i, a hash of (experiment id, subject, arm name) gives a uniform u_i in (0, 1), and the arm
 * with the smallest score_i = -ln(u_i) / w_i wins. -ln(u_i) is Exp(1), so score_i is Exp(rate w_i), and the
 * minimum of independent exponentials is arm i with probability w_i / Σw: the shares follow the weights.
 *
 * Why changing weights moves as few subjects as possible: a subject's u_i depends only on the arm's own
 * name, never on the other arms or on the weights. So
 *  - raising w_i only lowers score_i: a subject can only move INTO arm i, and lowering w_j only lets
 *    subjects leave j. Going from 50/50 to 60/40, score_a shrinks and score_b grows, so the only movers are
 *    b-subjects whose order flips; all move from b to a, and their expected share is 0.6 - 0.5 = 10% — the
 *    minimum any scheme can achieve, since a tenth of the subjects must change sides to shift the shares
 *    by a tenth.
 *    (Cutting one hash into cumulative ranges also moves 10% here, but adding or reordering arms shifts
 *    every boundary and moves subjects between old arms; hashing modulo the arm count moves about half.)
 *  - adding an arm leaves every existing score unchanged: subjects move only into the new arm, a share
 *    of w_new / (Σw + w_new) of them; removing an arm moves only its own subjects.
 *  - multiplying every weight by the same factor moves nobody (the order of the scores is unchanged).
 * The subject id is hashed together with the experiment id, so two experiments split users independently.
 */

/** 2^52: the uniform below takes 52 hash bits, which a double holds exactly (with the +0.5 as well). */
const TWO_POW_52 = 2 ** 52;

/**
 * A uniform in the open interval (0, 1) from SHA-256 of the three strings. JSON encoding of the tuple keeps
 * the input unambiguous ("a|b","c" and "a","b|c" differ) and is identical on every platform and process.
 */
function hashUniform(experimentId: string, subject: string, arm: string): number {
  const digest = createHash('sha256').update(JSON.stringify([experimentId, subject, arm]), 'utf8').digest();
  // 48 bits from the first six bytes, then the high 4 bits of the seventh: 52 bits in all.
  const high48 = digest.readUIntBE(0, 6);
  const low4 = (digest[6] ?? 0) >>> 4;
  const k = high48 * 16 + low4;
  // (k + 0.5) / 2^52 is never 0 or 1, so -ln(u) is always finite and positive.
  return (k + 0.5) / TWO_POW_52;
}

/** Throws invalid_request unless the arms can be assigned: ≥ 1 arm, unique names, weights ≥ 0, positive sum. */
export function validateArms(arms: readonly WeightedArm[]): void {
  if (arms.length === 0) {
    throw new StrataError('invalid_request', 'An experiment needs at least one arm.');
  }
  const seen = new Set<string>();
  let total = 0;
  for (const arm of arms) {
    if (typeof arm.name !== 'string' || arm.name.length === 0) {
      throw new StrataError('invalid_request', 'Every experiment arm needs a non-empty name.');
    }
    if (seen.has(arm.name)) {
      throw new StrataError('invalid_request', `Experiment arm "${arm.name}" appears twice; arm names must be unique.`);
    }
    seen.add(arm.name);
    if (typeof arm.weight !== 'number' || !Number.isFinite(arm.weight) || arm.weight < 0) {
      throw new StrataError(
        'invalid_request',
        `Experiment arm "${arm.name}" has weight ${String(arm.weight)}; weights must be finite numbers ≥ 0.`,
      );
    }
    total += arm.weight;
  }
  if (!(total > 0)) {
    throw new StrataError('invalid_request', 'The weights of an experiment\'s arms must add up to more than 0.');
  }
}

/**
 * The arm a subject sees in an experiment: sticky (same inputs, same arm, in any process), distributed by
 * weight, and moving as few subjects as possible when weights or arms change. Weight-0 arms are never chosen.
 */
export function assignArm(experimentId: string, subject: string, arms: readonly WeightedArm[]): string {
  validateArms(arms);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const arm of arms) {
    if (arm.weight === 0) continue;
    const score = -Math.log(hashUniform(experimentId, subject, arm.name)) / arm.weight;
    // Ties need equal 52-bit hashes; breaking them by name keeps the result independent of arm order.
    if (score < bestScore || (score === bestScore && best !== undefined && arm.name < best)) {
      best = arm.name;
      bestScore = score;
    }
  }
  // validateArms guarantees a positive weight, and every positive weight gives a finite score.
  if (best === undefined) throw new StrataError('internal', 'No experiment arm could be chosen.');
  return best;
}
