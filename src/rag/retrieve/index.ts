/** Retrieval building blocks that need no index: rank fusion and Bedrock-style metadata filters. */
export { reciprocalRankFusion, type RankedList, type FusedResult, type FusionOptions } from './fusion.js';
export {
  parseRetrievalFilter,
  matchesFilter,
  filterNode,
  FILTER_LIMITS,
  type RetrievalFilter,
  type FilterNode,
  type FilterAttribute,
  type FilterScalar,
  type FilterOperator,
  type Metadata,
  type MetadataValue,
  type ParseFilterOptions,
} from './filter.js';
export { compileFilterSql, type FilterDialect, type CompiledFilter, type CompileFilterOptions } from './filter-sql.js';
