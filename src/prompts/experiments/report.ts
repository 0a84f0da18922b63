import type { ArmResult, ExperimentResults, Verdict, VerdictMetric } from './results.js';
import { SIGNIFICANCE_LEVEL } from './results.js';
import type { Interval } from './statistics.js';

/*
 * The text `strata experiments show ID` prints: one row per arm with every number and its 95% interval,
 * then the verdicts against the control, then the warnings. Plain aligned columns, no colours, so that it
 * reads the same in a terminal, a CI log and a pasted ticket. Missing values print as "–".
 */

const NONE = '–';

function known(x: number): boolean {
  return Number.isFinite(x);
}

function pct(x: number): string {
  return known(x) ? `${(x * 100).toFixed(1)}%` : NONE;
}

function ms(x: number): string {
  return known(x) ? `${Math.round(x)} ms` : NONE;
}

/** Costs per request are often fractions of a cent: three significant digits, not two decimals. */
function usd(x: number): string {
  if (!known(x)) return NONE;
  if (x === 0) return '$0';
  return Math.abs(x) >= 1 ? `$${x.toFixed(2)}` : `$${x.toPrecision(3)}`;
}

function score(x: number): string {
  return known(x) ? x.toFixed(3) : NONE;
}

function withInterval(i: Interval, f: (x: number) => string): string {
  if (!known(i.estimate)) return NONE;
  return `${f(i.estimate)} [${f(i.low)}, ${f(i.high)}]`;
}

function signed(x: number, f: (x: number) => string): string {
  if (!known(x)) return NONE;
  return x > 0 ? `+${f(x)}` : x < 0 ? `-${f(-x)}` : f(0);
}

function armRow(r: ArmResult, control: string): string[] {
  return [
    r.arm === control ? `${r.arm} (control)` : r.arm,
    String(r.requests),
    withInterval(r.errorRate, pct),
    ms(r.latencyP50),
    ms(r.latencyP95),
    withInterval(r.latencyMean, (x) => String(Math.round(x))) + (known(r.latencyMean.estimate) ? ' ms' : ''),
    r.requests === 0 ? NONE : `${Math.round(r.tokens.input.mean)} / ${Math.round(r.tokens.output.mean)}`,
    r.costUsd === null ? NONE : withInterval(r.costUsd, usd),
    r.feedback === null ? NONE : `${withInterval(r.feedback.mean, score)} n=${r.feedback.n}`,
  ];
}

const METRIC_LABEL: Record<VerdictMetric, string> = {
  error_rate: 'error rate',
  latency: 'mean latency',
  feedback: 'feedback',
  cost: 'cost/request',
};

/** A difference in the metric's own unit: error-rate points, ms, USD, feedback score. */
function diffFormat(metric: VerdictMetric): (x: number) => string {
  switch (metric) {
    case 'error_rate':
      return (x) => `${(x * 100).toFixed(1)} pp`;
    case 'latency':
      return (x) => `${Math.round(x)} ms`;
    case 'cost':
      return usd;
    case 'feedback':
      return score;
  }
}

function pValue(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

function verdictRow(v: Verdict): string[] {
  const f = diffFormat(v.metric);
  const reading = v.outcome === 'inconclusive' ? 'no significant difference' : `${v.outcome} (significant)`;
  return [v.arm, METRIC_LABEL[v.metric], signed(v.diff, f), `[${signed(v.low, f)}, ${signed(v.high, f)}]`, pValue(v.pValue), reading];
}

/** Pads every column to its widest cell so the rows line up in a monospace terminal. */
function table(rows: string[][], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length))).join('  ').trimEnd());
}

/** The human-readable results of an experiment: arm table, verdicts against the control, warnings. */
export function formatExperimentTable(results: ExperimentResults): string {
  const header = ['arm', 'requests', 'error rate [95% CI]', 'p50', 'p95', 'mean latency [95% CI]', 'tokens in/out', 'cost/request [95% CI]', 'feedback [95% CI]'];
  const lines = table([header, ...results.arms.map((r) => armRow(r, results.control))]);

  lines.push('');
  if (results.verdicts.length === 0) {
    lines.push(`Verdicts: none yet (no arm has data to compare with control ${results.control}).`);
  } else {
    lines.push(`Verdicts (arm − control ${results.control}; significant at p < ${SIGNIFICANCE_LEVEL}):`);
    lines.push(...table(results.verdicts.map(verdictRow), '  '));
  }
  if (results.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const w of results.warnings) lines.push(`  - ${w}`);
  }
  return lines.join('\n');
}
