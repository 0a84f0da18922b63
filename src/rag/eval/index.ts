/** Retrieval evaluation: the BEIR dataset format, BEIR-convention metrics and a self-generated fixture. */
export { readBeir, type BeirDataset, type BeirDocument, type ReadBeirOptions } from './beir.js';
export {
  evaluateRun,
  scoreQuery,
  rankForEvaluation,
  compareRanked,
  DEFAULT_CUTOFFS,
  type Run,
  type Qrels,
  type QueryId,
  type DocId,
  type ScoredDoc,
  type QueryScores,
  type RetrievalScores,
  type MetricName,
} from './metrics.js';
export { generateBeirFixture, type BeirFixtureOptions, type BeirFixtureSummary } from './fixture.js';
