export { openStore, type Store, type OpenStoreOptions } from './database.js';
export { assertSchemaName, describePostgresUrl, type Dialect } from './dialects.js';
export { MIGRATIONS, migrate, pendingMigrations, type Migration } from './migrations/index.js';
export type { StrataDatabase, InvocationsTable, SettingsTable, MigrationsTable, ExperimentsTable, FeedbackTable, KnowledgeBasesTable } from './schema.js';
export { getSetting, setSettingIfAbsent, getOrCreateHashKey } from './settings.js';
export {
  InvocationWriter,
  insertInvocations,
  listInvocations,
  getInvocation,
  type InvocationWriterOptions,
  type ListInvocationsQuery,
} from './invocations.js';
export {
  usageSummary,
  validateGroupBy,
  parseTimeArg,
  parseGranularity,
  parseUsageArgs,
  describeUsageQuery,
  TAG_KEY_PATTERN,
  USAGE_DIMENSIONS,
  type UsageQuery,
  type UsageRow,
  type Granularity,
} from './usage.js';
export { connectRedis, redactRedisUrl, type RedisClient, type ConnectRedisOptions } from './kv/redis.js';
