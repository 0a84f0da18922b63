import type { ColumnType } from 'kysely';

/**
 * Row types of the Strata database, shared by both engines. Booleans are stored as 0/1 integers and
 * JSON as text so one query works unchanged on SQLite and PostgreSQL; bigint columns come back as JS
 * numbers on both (the PostgreSQL pool parses int8, see dialects.ts).
 */
export interface InvocationsTable {
  id: string;
  ts: number;
  tenant: string;
  route: string;
  model_requested: string;
  model_answered: string | null;
  provider_model_id: string | null;
  attempts: number;
  fallbacks: number;
  status: string;
  error_code: string | null;
  http_status: number;
  /** 0 or 1 */
  stream: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  latency_ms: number;
  ttft_ms: number | null;
  prompt_hash: string;
  output_hash: string | null;
  finish_reason: string | null;
  /** JSON object of string → string */
  tags: string;
  /** USD; null = unpriced (added by migration 3) */
  cost_usd: number | null;
  /** API key id (added by migration 5, like the two below) */
  key_id: string | null;
  /** hit | miss | bypass; null = no cache on the route */
  cache: string | null;
  /** budget that downgraded the request */
  downgraded_by: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  /** epoch ms */
  updated_at: number;
}

export interface ApiKeysTable {
  /** 16 lower-case hex characters: the public part of the key */
  id: string;
  tenant: string;
  /** admin | developer | invoker | auditor */
  role: string;
  /** optional label for people */
  name: string | null;
  /** JSON array of model aliases; null = all */
  models: string | null;
  /** JSON array of route names; null = all */
  routes: string | null;
  /** hex SHA-256 of the secret part; the secret itself is never stored */
  secret_hash: string;
  /** epoch ms */
  created_at: number;
  /** epoch ms; null while the key is active */
  revoked_at: number | null;
}

export interface MigrationsTable {
  id: number;
  name: string;
  /** epoch ms */
  applied_at: ColumnType<number, number, never>;
}

/** The whole schema as Kysely sees it; later migrations add their tables here. */
export interface StrataDatabase {
  invocations: InvocationsTable;
  settings: SettingsTable;
  api_keys: ApiKeysTable;
  strata_migrations: MigrationsTable;
}
