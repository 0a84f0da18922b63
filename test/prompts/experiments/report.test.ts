import { describe, expect, it } from 'vitest';
import { experimentResults, formatExperimentTable } from '../../../src/prompts/experiments/index.js';
import { observe } from './observations.js';

describe('experiment table', () => {
  const results = experimentResults({
    arms: ['v1', 'v2', 'v3'],
    observations: [
      ...observe({ arm: 'v1', requests: 1000, failEvery: 50, latencyMean: 800, latencySd: 100, cost: 0.001, thumbsDownEvery: 5, seed: 1 }),
      ...observe({ arm: 'v2', requests: 1000, failEvery: 10, latencyMean: 1000, latencySd: 100, cost: 0.0015, thumbsDownEvery: 2, seed: 2 }),
      ...observe({ arm: 'v3', requests: 12, failEvery: 0, latencyMean: 800, latencySd: 100, cost: null, seed: 3 }),
    ],
  });
  const text = formatExperimentTable(results);
  const lines = text.split('\n');

  it('prints one aligned row per arm, the control marked, with intervals', () => {
    const header = lines[0]!;
    expect(header).toMatch(/^arm\s+requests\s+error rate \[95% CI\]\s+p50\s+p95\s+mean latency/);
    const v1 = lines.find((l) => l.startsWith('v1 (control)'));
    const v2 = lines.find((l) => l.startsWith('v2 '));
    expect(v1).toBeDefined();
    expect(v1).toContain('2.0% [');
    expect(v2).toContain('10.0% [');
    expect(v2).toContain('$0.00150 [$0.00150, $0.00150]');
    expect(v2).toContain('0.500 [');
    expect(v2).toContain('n=1000');
    // Columns line up: every row's request count starts where the header's "requests" does.
    const col = header.indexOf('requests');
    for (const row of lines.slice(1, 4)) expect(row.slice(col)).toMatch(/^\d+\s/);
  });

  it('prints missing values as a dash, never NaN or null', () => {
    const v3 = lines.find((l) => l.startsWith('v3 '));
    expect(v3).toContain('–');
    expect(text).not.toMatch(/NaN|null|undefined/);
  });

  it('prints the verdicts with their sign, unit, interval, p-value and reading', () => {
    expect(text).toContain('Verdicts (arm − control v1; significant at p < 0.05):');
    const err = lines.find((l) => /^\s+v2\s+error rate/.test(l));
    expect(err).toMatch(/\+8\.0 pp\s+\[\+\d+\.\d pp, \+\d+\.\d pp\]\s+p < 0\.001\s+worse \(significant\)$/);
    const latency = lines.find((l) => /^\s+v2\s+mean latency/.test(l));
    expect(latency).toMatch(/\+\d+ ms\s+\[\+\d+ ms, \+\d+ ms\]/);
    expect(lines.some((l) => /^\s+v3\s+error rate\s+-2\.0 pp\s+\[-\d+\.\d pp, \+\d+\.\d pp\]\s+p = 0\.\d{3}\s+no significant difference$/.test(l))).toBe(true);
  });

  it('ends with the warnings', () => {
    const at = lines.indexOf('Warnings:');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1)).toContain('  - arm v3 has 12 requests; at least 100 per arm are needed before the verdict means much');
  });

  it('says when there is nothing to compare yet', () => {
    const empty = formatExperimentTable(experimentResults({ arms: ['a', 'b'], observations: [] }));
    expect(empty).toContain('Verdicts: none yet');
    expect(empty).not.toMatch(/NaN/);
  });
});
