import { StrataError } from '../../core/index.js';
import { createRandom, deriveSeed } from './random.js';
import {
  diffFromResampledMeans,
  intervalFromResampledMeans,
  mean,
  percentile,
  resampleMeans,
  twoProportionTest,
  wilsonInterval,
  type Interval,
  type MeanDifference,
} from './statistics.js';

/** One request served by an experiment arm, as the results need it (no content, only numbers). */
export interface ExperimentObservation {
  arm: string;
  ok: boolean;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  /** null when the model has no price: such requests are left out of the cost mean */
  costUsd: number | null;
  /** user feedback in [0, 1]: a score, or thumbs up = 1 / down = 0 */
  feedback?: number;
}

export interface ExperimentResultsInput {
  arms: readonly string[];
  /** the arm the others are compared with; default the first arm */
  control?: string;
  observations: readonly ExperimentObservation[];
  /** requests per arm below which a warning says the verdict means little; default 100 */
  minSamples?: number;
  /** bootstrap seed, so that the same data always prints the same intervals; default 1 */
  seed?: number;
  /** bootstrap resamples per interval; default 2000 */
  resamples?: number;
}

export interface TokenUsage {
  total: number;
  /** per request */
  mean: number;
}

export interface ArmResult {
  arm: string;
  requests: number;
  errors: number;
  /** share of requests that failed, Wilson interval */
  errorRate: Interval;
  /** latency percentiles over successful requests (ms); NaN when none succeeded */
  latencyP50: number;
  latencyP95: number;
  /** mean latency over successful requests (ms), bootstrap interval */
  latencyMean: Interval;
  tokens: { input: TokenUsage; output: TokenUsage };
  /** mean cost per request over the requests with a known cost (n of them), bootstrap interval; null when none */
  costUsd: (Interval & { n: number }) | null;
  /** mean feedback over the requests that got some, bootstrap interval; null when none did */
  feedback: { n: number; mean: Interval } | null;
}

export type VerdictMetric = 'error_rate' | 'latency' | 'feedback' | 'cost';

/** The difference arm − control on one metric, with its interval, p-value and reading. */
export interface Verdict {
  arm: string;
  vs: string;
  metric: VerdictMetric;
  /** arm − control: error-rate points (0.05 = 5 pp), ms, feedback score, USD per request */
  diff: number;
  low: number;
  high: number;
  pValue: number;
  /** pValue < 0.05 */
  significant: boolean;
  /** which way a significant difference goes for the user (lower errors, latency and cost are better) */
  outcome: 'better' | 'worse' | 'inconclusive';
}

export interface ExperimentResults {
  control: string;
  arms: ArmResult[];
  verdicts: Verdict[];
  warnings: string[];
}

/** Verdicts are called significant below this p-value, with 95% intervals to match. */
export const SIGNIFICANCE_LEVEL = 0.05;
const CONFIDENCE = 1 - SIGNIFICANCE_LEVEL;
const DEFAULT_MIN_SAMPLES = 100;
const DEFAULT_RESAMPLES = 2000;

/** Per arm, the raw columns the statistics work on. */
interface ArmSamples {
  requests: number;
  errors: number;
  okLatencies: number[];
  inputTokens: number;
  outputTokens: number;
  costs: number[];
  feedback: number[];
}

/** The bootstrap means of one arm's metric, drawn once and shared by its interval and every comparison. */
type MeanMetric = 'latency' | 'cost' | 'feedback';
type Resampled = Record<MeanMetric, Float64Array | null>;

function invalid(message: string): StrataError {
  return new StrataError('invalid_request', message);
}

function checkObservation(o: ExperimentObservation, index: number): void {
  const where = `observation ${index} (arm "${o.arm}")`;
  const nonNegative = (name: string, v: number): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(`${where}: ${name} must be a finite number ≥ 0, got ${String(v)}.`);
  };
  if (typeof o.ok !== 'boolean') throw invalid(`${where}: ok must be true or false.`);
  nonNegative('latencyMs', o.latencyMs);
  nonNegative('inputTokens', o.inputTokens);
  nonNegative('outputTokens', o.outputTokens);
  if (o.costUsd !== null) nonNegative('costUsd', o.costUsd);
  if (o.feedback !== undefined && !(typeof o.feedback === 'number' && o.feedback >= 0 && o.feedback <= 1)) {
    throw invalid(`${where}: feedback must be a score between 0 and 1, got ${String(o.feedback)}.`);
  }
}

function checkInput(input: ExperimentResultsInput): { control: string; minSamples: number; seed: number; resamples: number } {
  if (input.arms.length === 0) throw invalid('Experiment results need at least one arm.');
  const seen = new Set<string>();
  for (const arm of input.arms) {
    if (typeof arm !== 'string' || arm.length === 0) throw invalid('Every experiment arm needs a non-empty name.');
    if (seen.has(arm)) throw invalid(`Experiment arm "${arm}" appears twice; arm names must be unique.`);
    seen.add(arm);
  }
  const control = input.control ?? input.arms[0] ?? '';
  if (!seen.has(control)) throw invalid(`The control arm "${control}" is not one of the experiment's arms (${input.arms.join(', ')}).`);
  const minSamples = input.minSamples ?? DEFAULT_MIN_SAMPLES;
  if (!Number.isInteger(minSamples) || minSamples < 0) throw invalid(`minSamples must be a whole number ≥ 0, got ${String(minSamples)}.`);
  const seed = input.seed ?? 1;
  if (!Number.isFinite(seed)) throw invalid(`seed must be a finite number, got ${String(seed)}.`);
  const resamples = input.resamples ?? DEFAULT_RESAMPLES;
  if (!Number.isInteger(resamples) || resamples < 100) throw invalid(`resamples must be a whole number of at least 100, got ${String(resamples)}.`);
  return { control, minSamples, seed, resamples };
}

function collect(input: ExperimentResultsInput, warnings: string[]): Map<string, ArmSamples> {
  const byArm = new Map<string, ArmSamples>();
  for (const arm of input.arms) {
    byArm.set(arm, { requests: 0, errors: 0, okLatencies: [], inputTokens: 0, outputTokens: 0, costs: [], feedback: [] });
  }
  const strays = new Map<string, number>();
  input.observations.forEach((o, i) => {
    checkObservation(o, i);
    const s = byArm.get(o.arm);
    if (s === undefined) {
      strays.set(o.arm, (strays.get(o.arm) ?? 0) + 1);
      return;
    }
    s.requests++;
    if (o.ok) s.okLatencies.push(o.latencyMs);
    else s.errors++;
    s.inputTokens += o.inputTokens;
    s.outputTokens += o.outputTokens;
    if (o.costUsd !== null) s.costs.push(o.costUsd);
    if (o.feedback !== undefined) s.feedback.push(o.feedback);
  });
  // Rows of an arm that was since removed from the experiment are reported rather than silently mixed in.
  for (const [arm, count] of strays) {
    warnings.push(`${count} request${count === 1 ? '' : 's'} name arm "${arm}", which is not in the experiment; they are left out`);
  }
  return byArm;
}

function valuesOf(s: ArmSamples, metric: MeanMetric): number[] {
  return metric === 'latency' ? s.okLatencies : metric === 'cost' ? s.costs : s.feedback;
}

/**
 * Each arm's metric is resampled once, from its own seed stream (derived from the seed, the arm and the
 * metric): the arm's interval and all its comparisons reuse the same draws, which halves the work and keeps
 * an arm's numbers identical whichever arms it is compared with.
 */
function resample(arm: string, s: ArmSamples, seed: number, resamples: number): Resampled {
  const one = (metric: MeanMetric): Float64Array | null => {
    const values = valuesOf(s, metric);
    return values.length === 0 ? null : resampleMeans(values, resamples, createRandom(deriveSeed(seed, `${arm}\u0000${metric}`)));
  };
  return { latency: one('latency'), cost: one('cost'), feedback: one('feedback') };
}

const NO_INTERVAL: Interval = { estimate: NaN, low: NaN, high: NaN };

function meanInterval(s: ArmSamples, r: Resampled, metric: MeanMetric): Interval | null {
  const means = r[metric];
  return means === null ? null : intervalFromResampledMeans(mean(valuesOf(s, metric)), means, CONFIDENCE);
}

function armResult(arm: string, s: ArmSamples, r: Resampled): ArmResult {
  const perRequest = (total: number): number => (s.requests === 0 ? NaN : total / s.requests);
  const cost = meanInterval(s, r, 'cost');
  const feedback = meanInterval(s, r, 'feedback');
  return {
    arm,
    requests: s.requests,
    errors: s.errors,
    errorRate: wilsonInterval(s.errors, s.requests, CONFIDENCE),
    latencyP50: percentile(s.okLatencies, 50),
    latencyP95: percentile(s.okLatencies, 95),
    latencyMean: meanInterval(s, r, 'latency') ?? NO_INTERVAL,
    tokens: {
      input: { total: s.inputTokens, mean: perRequest(s.inputTokens) },
      output: { total: s.outputTokens, mean: perRequest(s.outputTokens) },
    },
    costUsd: cost === null ? null : { n: s.costs.length, ...cost },
    feedback: feedback === null ? null : { n: s.feedback.length, mean: feedback },
  };
}

function outcomeOf(metric: VerdictMetric, diff: number, significant: boolean): Verdict['outcome'] {
  if (!significant) return 'inconclusive';
  const higherIsBetter = metric === 'feedback';
  return diff > 0 === higherIsBetter ? 'better' : 'worse';
}

function verdict(arm: string, vs: string, metric: VerdictMetric, r: MeanDifference): Verdict {
  const significant = r.pValue < SIGNIFICANCE_LEVEL;
  return { arm, vs, metric, diff: r.diff, low: r.low, high: r.high, pValue: r.pValue, significant, outcome: outcomeOf(metric, r.diff, significant) };
}

interface ArmData {
  name: string;
  samples: ArmSamples;
  resampled: Resampled;
}

/**
 * Compares one arm with the control on every metric both have data for. Each arm is tested at 0.05 on its own:
 * with several arms and four metrics some "significant" verdict will appear by chance about once in twenty
 * comparisons, which the report leaves to the reader rather than hiding behind a correction nobody asked for.
 */
function compare(a: ArmData, c: ArmData, warnings: string[]): Verdict[] {
  const out: Verdict[] = [];
  if (a.samples.requests > 0 && c.samples.requests > 0) {
    // twoProportionTest gives first − second: arm − control, like every other verdict.
    const t = twoProportionTest(a.samples.errors, a.samples.requests, c.samples.errors, c.samples.requests, CONFIDENCE);
    out.push(verdict(a.name, c.name, 'error_rate', t));
  }
  const metrics: [MeanMetric, VerdictMetric][] = [['latency', 'latency'], ['feedback', 'feedback'], ['cost', 'cost']];
  for (const [metric, verdictMetric] of metrics) {
    const meansArm = a.resampled[metric];
    const meansControl = c.resampled[metric];
    if (meansArm === null || meansControl === null) continue;
    const diff = mean(valuesOf(a.samples, metric)) - mean(valuesOf(c.samples, metric));
    out.push(verdict(a.name, c.name, verdictMetric, diffFromResampledMeans(diff, meansControl, meansArm, CONFIDENCE)));
  }
  if ((a.resampled.cost === null || c.resampled.cost === null) && a.samples.requests > 0 && c.samples.requests > 0) {
    const unpriced = a.resampled.cost === null ? a.name : c.name;
    warnings.push(`no cost verdict for arm ${a.name}: arm ${unpriced} has no request with a known cost`);
  }
  return out;
}

/**
 * Results of an experiment per arm (requests, error rate, latency p50/p95 and mean, tokens, cost, feedback,
 * each with a 95% interval: Wilson for rates, bootstrap for means), verdicts of every arm against the
 * control at p < 0.05, and warnings while the samples are too few to trust them. Pure and seeded: the same
 * observations always give the same results.
 */
export function experimentResults(input: ExperimentResultsInput): ExperimentResults {
  const { control, minSamples, seed, resamples } = checkInput(input);
  const warnings: string[] = [];
  const samples = collect(input, warnings);

  const data: ArmData[] = [];
  const arms: ArmResult[] = [];
  for (const name of input.arms) {
    const s = samples.get(name);
    if (s === undefined) continue;
    const d: ArmData = { name, samples: s, resampled: resample(name, s, seed, resamples) };
    data.push(d);
    arms.push(armResult(name, s, d.resampled));
    if (s.requests < minSamples) {
      warnings.push(`arm ${name} has ${s.requests} request${s.requests === 1 ? '' : 's'}; at least ${minSamples} per arm are needed before the verdict means much`);
    }
    if (s.costs.length > 0 && s.costs.length < s.requests) {
      warnings.push(`arm ${name}: the cost of ${s.requests - s.costs.length} of ${s.requests} requests is unknown (no price for the model); its cost covers the ${s.costs.length} priced ones`);
    }
  }

  // Each arm is tested against the control at 0.05 on its own (see compare).
  const c = data.find((d) => d.name === control);
  const verdicts: Verdict[] = [];
  if (c !== undefined) {
    for (const d of data) if (d !== c) verdicts.push(...compare(d, c, warnings));
  }
  return { control, arms, verdicts, warnings };
}
