import type { ExperimentObservation } from '../../../src/prompts/experiments/index.js';
import { normalSample } from './normal-data.js';

export interface ArmProfile {
  arm: string;
  requests: number;
  /** every k-th request fails (0 = none fail) */
  failEvery: number;
  latencyMean: number;
  latencySd: number;
  /** cost per request, or null for an unpriced model */
  cost: number | null;
  /** every request gets thumbs up except every k-th (0 = no feedback at all) */
  thumbsDownEvery?: number;
  seed: number;
}

/** Deterministic observations of one arm: fixed error pattern, seeded normal latencies (floored at 1 ms). */
export function observe(p: ArmProfile): ExperimentObservation[] {
  const latencies = normalSample(p.requests, p.latencyMean, p.latencySd, p.seed);
  return latencies.map((l, i) => {
    const o: ExperimentObservation = {
      arm: p.arm,
      ok: p.failEvery === 0 || (i + 1) % p.failEvery !== 0,
      latencyMs: Math.max(1, l),
      inputTokens: 100 + (i % 10),
      outputTokens: 50,
      costUsd: p.cost,
    };
    if (p.thumbsDownEvery !== undefined && p.thumbsDownEvery > 0) o.feedback = (i + 1) % p.thumbsDownEvery === 0 ? 0 : 1;
    return o;
  });
}
