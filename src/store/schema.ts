import type { ColumnType, Generated } from 'kysely';

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
  /** `name@version` of the rendered prompt (added by migration 7) */
  prompt: string | null;
  /** experiment id and arm name (added by migration 8) */
  experiment: string | null;
  arm: string | null;
  /** the route's guardrail policy (added by migration 13, like the one below) */
  guardrail: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON array of {side, check, action, types}: what the policy found and did, never the matched text */
  guardrail_interventions: ColumnType<string | null, string | null | undefined, string | null>;
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

/** One prompt of a tenant (migration 6); its versions and labels hang off (tenant, name). */
export interface PromptsTable {
  tenant: string;
  name: string;
  /** chat | text: the type of the newest version */
  type: string;
  /** epoch ms */
  created_at: number;
}

/** An immutable version of a prompt. */
export interface PromptVersionsTable {
  tenant: string;
  name: string;
  /** 1, 2, … per prompt */
  version: number;
  /** hex SHA-256 of the canonical content */
  hash: string;
  /** JSON of the validated PromptContent */
  content: string;
  message: string | null;
  /** epoch ms */
  created_at: number;
  created_by: string;
}

/** Where a label of a prompt points now. */
export interface PromptLabelsTable {
  tenant: string;
  name: string;
  label: string;
  version: number;
  /** 0 or 1 */
  protected: number;
  /** epoch ms */
  updated_at: number;
  updated_by: string;
}

/** Every move of a label, append only; ids grow in commit order per prompt (writes to one prompt are serialised). */
export interface PromptLabelEventsTable {
  id: Generated<number>;
  tenant: string;
  name: string;
  label: string;
  /** null: the label was created */
  from_version: number | null;
  /** null: the label was removed */
  to_version: number | null;
  /** push | set | remove | rollback */
  kind: string;
  actor: string;
  reason: string | null;
  /** epoch ms */
  at: number;
}

export interface MigrationsTable {
  id: number;
  name: string;
  /** epoch ms */
  applied_at: ColumnType<number, number, never>;
}

/** Row of `experiments` (migration 8). */
export interface ExperimentsTable {
  id: string;
  tenant: string;
  name: string;
  /** prompt | route */
  kind: string;
  /** prompt name or route name */
  target: string;
  /** JSON array of ExperimentArm */
  arms: string;
  /** draft | running | paused | stopped */
  status: string;
  /** epoch ms */
  created_at: number;
  updated_at: number;
  created_by: string;
  promoted_arm: string | null;
}

/** Row of `feedback` (migration 8): the last feedback given on one invocation. */
export interface FeedbackTable {
  invocation_id: string;
  tenant: string;
  key_id: string | null;
  /** 0..1 */
  score: number | null;
  /** 1 up, 0 down */
  thumbs: number | null;
  /** only for tenants that allow free text */
  comment: string | null;
  created_at: number;
}

/** Row of `knowledge_bases` (migration 9). */
export interface KnowledgeBasesTable {
  id: string;
  tenant: string;
  name: string;
  /** JSON of the resolved KnowledgeBaseConfig: recorded so that results are reproducible */
  config: string;
  /** epoch ms */
  created_at: number;
  updated_at: number;
}

/** Row of `kb_session_turns` (migration 12): one question and answer of a retrieve-and-generate session. */
export interface KbSessionTurnsTable {
  id: Generated<number>;
  tenant: string;
  session_id: string;
  question: string;
  answer: string;
  created_at: number | bigint;
  expires_at: number | bigint;
}

/** Row of `kb_documents` (migration 9): one ingested document of a knowledge base. */
export interface KbDocumentsTable {
  kb_id: string;
  doc_id: string;
  rel_path: string;
  /** the loader's content hash: unchanged → re-ingestion skips the document */
  content_hash: string;
  /** JSON object of the document metadata */
  metadata: string;
  chunk_count: number;
  token_count: number;
  /** epoch ms */
  ingested_at: number;
}

/** Row of `kb_chunks` (migration 9); on SQLite one FTS5 table per knowledge base (`kb_fts_<id>`) indexes the analysed text by rowid `id`. */
export interface KbChunksTable {
  id: Generated<number>;
  kb_id: string;
  doc_id: string;
  ordinal: number;
  text: string;
  /** the text as the lexical analyser sees it (stop words out, stemmed): what FTS5 indexes */
  lexical_text: string;
  token_count: number;
  start_offset: number;
  end_offset: number;
  /** JSON array of heading titles */
  heading_path: string;
  page: number | null;
  /** hierarchical chunking: the parent chunk's text, returned instead of the child's */
  parent_text: string | null;
  /** JSON object: the document metadata, copied so filters run inside the chunk query */
  metadata: string;
  /** little-endian Float32Array bytes, L2-normalised */
  embedding: Uint8Array;
}

/** The whole schema as Kysely sees it; later migrations add their tables here. */
export interface StrataDatabase {
  invocations: InvocationsTable;
  settings: SettingsTable;
  api_keys: ApiKeysTable;
  prompts: PromptsTable;
  prompt_versions: PromptVersionsTable;
  prompt_labels: PromptLabelsTable;
  prompt_label_events: PromptLabelEventsTable;
  experiments: ExperimentsTable;
  feedback: FeedbackTable;
  knowledge_bases: KnowledgeBasesTable;
  kb_documents: KbDocumentsTable;
  kb_chunks: KbChunksTable;
  kb_session_turns: KbSessionTurnsTable;
  strata_migrations: MigrationsTable;
}
