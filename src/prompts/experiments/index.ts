/*
 * Experiments (A/B tests) over prompt versions or models: the pure part — sticky weighted assignment,
 * the statistics, per-arm results with verdicts, and the printed table (no database, no HTTP) — and
 * ExperimentStore, which keeps experiments and feedback in the Store and reads results from the records.
 */
export { assignArm, validateArms, type WeightedArm } from './assignment.js';
export { normalCdf, normalQuantile, zForConfidence } from './normal.js';
export { createRandom, deriveSeed, type Random } from './random.js';
export {
  percentile,
  wilsonInterval,
  twoProportionTest,
  bootstrapMeanInterval,
  bootstrapDiffOfMeans,
  type Interval,
  type ProportionTest,
  type MeanDifference,
  type BootstrapOptions,
} from './statistics.js';
export {
  experimentResults,
  SIGNIFICANCE_LEVEL,
  type ExperimentObservation,
  type ExperimentResultsInput,
  type ExperimentResults,
  type ArmResult,
  type TokenUsage,
  type Verdict,
  type VerdictMetric,
} from './results.js';
export { formatExperimentTable } from './report.js';
export { ExperimentStore } from './store.js';
export {
  EXPERIMENT_KINDS,
  EXPERIMENT_STATUSES,
  type Experiment,
  type ExperimentArm,
  type ExperimentKind,
  type ExperimentStatus,
  type ExperimentStoreOptions,
  type CreateExperimentInput,
  type Feedback,
  type FeedbackInput,
} from './store-types.js';
