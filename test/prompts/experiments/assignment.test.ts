import { describe, expect, it } from 'vitest';
import { assignArm, type WeightedArm } from '../../../src/prompts/experiments/index.js';
import { thrown } from './thrown.js';

const N = 10_000;
const subjects = Array.from({ length: N }, (_, i) => `user-${i}`);

function assignAll(experimentId: string, arms: WeightedArm[]): string[] {
  return subjects.map((s) => assignArm(experimentId, s, arms));
}

function counts(assigned: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of assigned) m.set(a, (m.get(a) ?? 0) + 1);
  return m;
}

/** Pearson's χ² = Σ (observed − expected)² / expected, expected = N·w/Σw. */
function chiSquare(assigned: string[], arms: WeightedArm[]): number {
  const observed = counts(assigned);
  const total = arms.reduce((s, a) => s + a.weight, 0);
  let chi2 = 0;
  for (const arm of arms) {
    const expected = (assigned.length * arm.weight) / total;
    chi2 += ((observed.get(arm.name) ?? 0) - expected) ** 2 / expected;
  }
  return chi2;
}

// Upper 0.001 critical values of the χ² distribution (standard tables): a fair assignment fails these once in
// a thousand experiments, and the subjects here are fixed, so the outcome is reproducible, not flaky.
const CHI2_CRITICAL_001 = { df1: 10.828, df2: 13.816 };

describe('sticky weighted assignment', () => {
  it('gives one subject the same arm on every call, whatever the order of the arms', () => {
    const arms = [{ name: 'a', weight: 1 }, { name: 'b', weight: 2 }, { name: 'c', weight: 3 }];
    for (const s of subjects.slice(0, 200)) {
      const first = assignArm('exp-1', s, arms);
      expect(assignArm('exp-1', s, arms)).toBe(first);
      expect(assignArm('exp-1', s, [...arms].reverse())).toBe(first);
    }
  });

  it('is the same in every process and on every platform (pinned assignments)', () => {
    // Changing the hash encoding would silently move every user of every running experiment to another
    // arm; this pins a dozen assignments computed once, so such a change fails here first.
    const arms = [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }, { name: 'c', weight: 1 }];
    const got = Array.from({ length: 12 }, (_, i) => assignArm('exp-golden', `user-${i}`, arms)).join('');
    expect(got).toBe('acacabbcbccc');
  });

  it('splits 10,000 subjects 50/50 within a χ² tolerance (df = 1, α = 0.001)', () => {
    const arms = [{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }];
    const chi2 = chiSquare(assignAll('exp-1', arms), arms);
    expect(chi2).toBeLessThan(CHI2_CRITICAL_001.df1);
  });

  it('splits 10,000 subjects 20/30/50 within a χ² tolerance (df = 2, α = 0.001)', () => {
    const arms = [{ name: 'a', weight: 20 }, { name: 'b', weight: 30 }, { name: 'c', weight: 50 }];
    const chi2 = chiSquare(assignAll('exp-1', arms), arms);
    expect(chi2).toBeLessThan(CHI2_CRITICAL_001.df2);
  });

  it('the χ² check has teeth: the 20/30/50 split is far from 1/3 each', () => {
    const arms = [{ name: 'a', weight: 20 }, { name: 'b', weight: 30 }, { name: 'c', weight: 50 }];
    const equal = [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }, { name: 'c', weight: 1 }];
    expect(chiSquare(assignAll('exp-1', arms), equal)).toBeGreaterThan(CHI2_CRITICAL_001.df2);
  });

  it('moving 50/50 to 60/40 moves about 10% of subjects, all from b to a', () => {
    const before = assignAll('exp-1', [{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }]);
    const after = assignAll('exp-1', [{ name: 'a', weight: 60 }, { name: 'b', weight: 40 }]);
    let moved = 0;
    for (let i = 0; i < N; i++) {
      if (before[i] === after[i]) continue;
      moved++;
      expect([before[i], after[i]]).toEqual(['b', 'a']);
    }
    // Expected 1,000 (binomial sd ≈ 30); a scheme that reshuffles would move about 5,000.
    expect(moved).toBeGreaterThanOrEqual(0.08 * N);
    expect(moved).toBeLessThanOrEqual(0.12 * N);
  });

  it('adding an arm of weight w moves about w/total of subjects, and only into the new arm', () => {
    const before = assignAll('exp-1', [{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }]);
    const after = assignAll('exp-1', [{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }, { name: 'c', weight: 25 }]);
    let moved = 0;
    for (let i = 0; i < N; i++) {
      if (before[i] === after[i]) continue;
      moved++;
      expect(after[i]).toBe('c');
    }
    // 25 / 125 = 20% expected (sd ≈ 40 subjects).
    expect(moved).toBeGreaterThanOrEqual(0.18 * N);
    expect(moved).toBeLessThanOrEqual(0.22 * N);
  });

  it('scaling every weight by the same factor moves nobody', () => {
    const before = assignAll('exp-1', [{ name: 'a', weight: 1 }, { name: 'b', weight: 3 }]);
    const after = assignAll('exp-1', [{ name: 'a', weight: 10 }, { name: 'b', weight: 30 }]);
    expect(after).toEqual(before);
  });

  it('never assigns an arm of weight 0', () => {
    const assigned = assignAll('exp-1', [{ name: 'a', weight: 1 }, { name: 'off', weight: 0 }, { name: 'c', weight: 1 }]);
    expect(assigned).not.toContain('off');
    expect(assignAll('exp-1', [{ name: 'only', weight: 2 }, { name: 'off', weight: 0 }]).every((a) => a === 'only')).toBe(true);
  });

  it('splits two experiments independently (the experiment id is part of the hash)', () => {
    const arms = [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }];
    const x = assignAll('exp-x', arms);
    const y = assignAll('exp-y', arms);
    const same = x.filter((a, i) => a === y[i]).length;
    // Independent 50/50 splits agree on about half the subjects (sd 50), not all of them.
    expect(same).toBeGreaterThan(0.47 * N);
    expect(same).toBeLessThan(0.53 * N);
  });

  it('rejects arms it cannot assign with invalid_request', () => {
    const bad: WeightedArm[][] = [
      [],
      [{ name: 'a', weight: 1 }, { name: 'a', weight: 2 }],
      [{ name: 'a', weight: -1 }, { name: 'b', weight: 2 }],
      [{ name: 'a', weight: Number.NaN }],
      [{ name: 'a', weight: Infinity }],
      [{ name: 'a', weight: 0 }, { name: 'b', weight: 0 }],
      [{ name: '', weight: 1 }],
    ];
    for (const arms of bad) {
      expect(thrown(() => assignArm('exp-1', 'user-1', arms)).code).toBe('invalid_request');
    }
  });
});
