import { describe, expect, it } from 'vitest';
import { experimentResults, type ExperimentObservation, type Verdict } from '../../../src/prompts/experiments/index.js';
import { observe } from './observations.js';
import { thrown } from './thrown.js';

function verdictOf(verdicts: Verdict[], arm: string, metric: Verdict['metric']): Verdict {
  const v = verdicts.find((x) => x.arm === arm && x.metric === metric);
  if (v === undefined) throw new Error(`no ${metric} verdict for ${arm}`);
  return v;
}

describe('experiment results', () => {
  it('warns while an arm has fewer requests than needed, and only about that arm', () => {
    const r = experimentResults({
      arms: ['a', 'b'],
      observations: [
        ...observe({ arm: 'a', requests: 150, failEvery: 0, latencyMean: 500, latencySd: 50, cost: 0.001, seed: 1 }),
        ...observe({ arm: 'b', requests: 12, failEvery: 0, latencyMean: 500, latencySd: 50, cost: 0.001, seed: 2 }),
      ],
    });
    expect(r.warnings).toEqual(['arm b has 12 requests; at least 100 per arm are needed before the verdict means much']);
    const strict = experimentResults({ arms: ['a', 'b'], observations: [], minSamples: 5 });
    expect(strict.warnings.filter((w) => w.includes('at least 5 per arm'))).toHaveLength(2);
  });

  it('calls a clearly worse arm significantly worse on every metric', () => {
    // Control a: 2% errors, 800 ms, $0.0010, 80% thumbs up. Arm b: 10% errors, 1,000 ms, $0.0015, 50% up.
    const r = experimentResults({
      arms: ['a', 'b'],
      observations: [
        ...observe({ arm: 'a', requests: 1000, failEvery: 50, latencyMean: 800, latencySd: 100, cost: 0.001, thumbsDownEvery: 5, seed: 1 }),
        ...observe({ arm: 'b', requests: 1000, failEvery: 10, latencyMean: 1000, latencySd: 100, cost: 0.0015, thumbsDownEvery: 2, seed: 2 }),
      ],
    });
    expect(r.control).toBe('a');
    expect(r.warnings).toEqual([]);
    const [a, b] = r.arms;
    expect(a!.errorRate.estimate).toBe(0.02);
    expect(b!.errorRate.estimate).toBe(0.1);
    expect(b!.errors).toBe(100);

    // 20/1000 vs 100/1000: pooled p̄ = 0.06, se = √(0.06·0.94·0.002) = 0.010621, z = 0.08/0.010621 = 7.53
    const err = verdictOf(r.verdicts, 'b', 'error_rate');
    expect(err.vs).toBe('a');
    expect(err.diff).toBeCloseTo(0.08, 12);
    expect(err.low).toBeGreaterThan(0);
    expect(err.pValue).toBeLessThan(1e-10);
    expect(err).toMatchObject({ significant: true, outcome: 'worse' });

    const latency = verdictOf(r.verdicts, 'b', 'latency');
    expect(latency.diff).toBeGreaterThan(180);
    expect(latency.diff).toBeLessThan(220);
    expect(latency).toMatchObject({ significant: true, outcome: 'worse' });

    const feedback = verdictOf(r.verdicts, 'b', 'feedback');
    expect(feedback.diff).toBeCloseTo(0.5 - 0.8, 9);
    expect(feedback).toMatchObject({ significant: true, outcome: 'worse' });

    const cost = verdictOf(r.verdicts, 'b', 'cost');
    expect(cost.diff).toBeCloseTo(0.0005, 12);
    expect(cost).toMatchObject({ significant: true, outcome: 'worse' });

    // And the other way round, with b as the control, a is better on every metric.
    const flipped = experimentResults({ arms: ['a', 'b'], control: 'b', observations: [] });
    expect(flipped.control).toBe('b');
    const reversed = experimentResults({
      arms: ['a', 'b'],
      control: 'b',
      observations: [
        ...observe({ arm: 'a', requests: 1000, failEvery: 50, latencyMean: 800, latencySd: 100, cost: 0.001, thumbsDownEvery: 5, seed: 1 }),
        ...observe({ arm: 'b', requests: 1000, failEvery: 10, latencyMean: 1000, latencySd: 100, cost: 0.0015, thumbsDownEvery: 2, seed: 2 }),
      ],
    });
    expect(reversed.verdicts.map((v) => [v.arm, v.vs, v.metric, v.outcome])).toEqual([
      ['a', 'b', 'error_rate', 'better'],
      ['a', 'b', 'latency', 'better'],
      ['a', 'b', 'feedback', 'better'],
      ['a', 'b', 'cost', 'better'],
    ]);
  });

  it('calls two arms of the same behaviour inconclusive', () => {
    const r = experimentResults({
      arms: ['a', 'b'],
      observations: [
        ...observe({ arm: 'a', requests: 500, failEvery: 20, latencyMean: 800, latencySd: 100, cost: 0.001, thumbsDownEvery: 4, seed: 31 }),
        ...observe({ arm: 'b', requests: 500, failEvery: 20, latencyMean: 800, latencySd: 100, cost: 0.001, thumbsDownEvery: 4, seed: 32 }),
      ],
    });
    expect(r.verdicts).toHaveLength(4);
    for (const v of r.verdicts) {
      expect(v.significant).toBe(false);
      expect(v.outcome).toBe('inconclusive');
      expect(v.low).toBeLessThanOrEqual(0);
      expect(v.high).toBeGreaterThanOrEqual(0);
    }
  });

  it('handles unknown costs: null for an unpriced arm, no cost verdict, a mean over the priced requests', () => {
    const partly = observe({ arm: 'c', requests: 120, failEvery: 0, latencyMean: 500, latencySd: 50, cost: 0.002, seed: 3 });
    for (let i = 0; i < 20; i++) partly[i]!.costUsd = null;
    const r = experimentResults({
      arms: ['a', 'b', 'c'],
      observations: [
        ...observe({ arm: 'a', requests: 120, failEvery: 0, latencyMean: 500, latencySd: 50, cost: 0.001, seed: 1 }),
        ...observe({ arm: 'b', requests: 120, failEvery: 0, latencyMean: 500, latencySd: 50, cost: null, seed: 2 }),
        ...partly,
      ],
    });
    const [, b, c] = r.arms;
    expect(b!.costUsd).toBeNull();
    // Every priced request cost $0.002, so the mean and both bounds are $0.002 (up to float summation).
    expect(c!.costUsd!.n).toBe(100);
    for (const x of [c!.costUsd!.estimate, c!.costUsd!.low, c!.costUsd!.high]) expect(x).toBeCloseTo(0.002, 12);
    expect(r.verdicts.some((v) => v.arm === 'b' && v.metric === 'cost')).toBe(false);
    expect(verdictOf(r.verdicts, 'c', 'cost').diff).toBeCloseTo(0.001, 12);
    expect(r.warnings).toContain('no cost verdict for arm b: arm b has no request with a known cost');
    expect(r.warnings).toContain(
      'arm c: the cost of 20 of 120 requests is unknown (no price for the model); its cost covers the 100 priced ones',
    );
  });

  it('reports an arm without requests without NaN verdicts', () => {
    const r = experimentResults({
      arms: ['a', 'b'],
      observations: observe({ arm: 'a', requests: 100, failEvery: 0, latencyMean: 500, latencySd: 50, cost: 0.001, seed: 1 }),
    });
    const b = r.arms[1]!;
    expect(b.requests).toBe(0);
    expect(b.errorRate.estimate).toBeNaN();
    expect(b.latencyP50).toBeNaN();
    expect(b.costUsd).toBeNull();
    expect(b.feedback).toBeNull();
    expect(r.verdicts).toEqual([]);
    expect(r.warnings).toEqual(['arm b has 0 requests; at least 100 per arm are needed before the verdict means much']);
  });

  it('measures latency over successful requests only, and counts tokens over all', () => {
    const obs: ExperimentObservation[] = [
      { arm: 'a', ok: true, latencyMs: 100, inputTokens: 10, outputTokens: 5, costUsd: 0 },
      { arm: 'a', ok: true, latencyMs: 300, inputTokens: 20, outputTokens: 15, costUsd: 0 },
      // a fast failure must not make the arm look fast
      { arm: 'a', ok: false, latencyMs: 1, inputTokens: 30, outputTokens: 0, costUsd: 0 },
    ];
    const a = experimentResults({ arms: ['a'], observations: obs, minSamples: 0 }).arms[0]!;
    expect(a.latencyP50).toBe(200);
    expect(a.latencyMean.estimate).toBe(200);
    expect(a.tokens).toEqual({ input: { total: 60, mean: 20 }, output: { total: 20, mean: 20 / 3 } });
    expect(a.errorRate.estimate).toBeCloseTo(1 / 3, 12);
  });

  it('is reproducible for one seed', () => {
    const observations = [
      ...observe({ arm: 'a', requests: 200, failEvery: 7, latencyMean: 800, latencySd: 200, cost: 0.001, thumbsDownEvery: 3, seed: 1 }),
      ...observe({ arm: 'b', requests: 200, failEvery: 9, latencyMean: 820, latencySd: 200, cost: 0.001, thumbsDownEvery: 4, seed: 2 }),
    ];
    const once = experimentResults({ arms: ['a', 'b'], observations, seed: 5 });
    expect(experimentResults({ arms: ['a', 'b'], observations, seed: 5 })).toEqual(once);
    expect(experimentResults({ arms: ['a', 'b'], observations, seed: 6 }).arms[0]!.latencyMean).not.toEqual(once.arms[0]!.latencyMean);
  });

  it("keeps an arm's numbers the same whichever other arms it is shown with", () => {
    const a = observe({ arm: 'a', requests: 150, failEvery: 7, latencyMean: 800, latencySd: 200, cost: 0.001, thumbsDownEvery: 3, seed: 1 });
    const b = observe({ arm: 'b', requests: 150, failEvery: 9, latencyMean: 820, latencySd: 200, cost: 0.001, thumbsDownEvery: 4, seed: 2 });
    const c = observe({ arm: 'c', requests: 150, failEvery: 5, latencyMean: 900, latencySd: 200, cost: 0.002, thumbsDownEvery: 2, seed: 3 });
    const two = experimentResults({ arms: ['a', 'b'], observations: [...a, ...b] });
    const three = experimentResults({ arms: ['a', 'b', 'c'], observations: [...a, ...b, ...c] });
    expect(three.arms.slice(0, 2)).toEqual(two.arms);
    expect(three.verdicts.filter((v) => v.arm === 'b')).toEqual(two.verdicts);
  });

  it('leaves out, with a warning, requests of an arm that is not in the experiment', () => {
    const r = experimentResults({
      arms: ['a'],
      observations: [
        { arm: 'a', ok: true, latencyMs: 10, inputTokens: 1, outputTokens: 1, costUsd: null },
        { arm: 'gone', ok: true, latencyMs: 10, inputTokens: 1, outputTokens: 1, costUsd: null },
        { arm: 'gone', ok: true, latencyMs: 10, inputTokens: 1, outputTokens: 1, costUsd: null },
      ],
      minSamples: 1,
    });
    expect(r.arms[0]!.requests).toBe(1);
    expect(r.warnings).toEqual(['2 requests name arm "gone", which is not in the experiment; they are left out']);
  });

  it('rejects bad input with invalid_request', () => {
    const ok: ExperimentObservation = { arm: 'a', ok: true, latencyMs: 10, inputTokens: 1, outputTokens: 1, costUsd: null };
    const cases: (() => unknown)[] = [
      () => experimentResults({ arms: [], observations: [] }),
      () => experimentResults({ arms: ['a', 'a'], observations: [] }),
      () => experimentResults({ arms: ['a', 'b'], control: 'c', observations: [] }),
      () => experimentResults({ arms: ['a'], observations: [], minSamples: -1 }),
      () => experimentResults({ arms: ['a'], observations: [{ ...ok, feedback: 5 }] }),
      () => experimentResults({ arms: ['a'], observations: [{ ...ok, latencyMs: -1 }] }),
      () => experimentResults({ arms: ['a'], observations: [{ ...ok, costUsd: Number.NaN }] }),
      () => experimentResults({ arms: ['a'], observations: [ok], resamples: 5 }),
    ];
    for (const c of cases) expect(thrown(c).code).toBe('invalid_request');
  });
});
