import type { Migration } from './types.js';

/** One row per gateway request: hashes, counts and ids only. */
export const invocationsMigration: Migration = {
  id: 1,
  name: 'invocations',
  async up(db) {
    await db.schema
      .createTable('invocations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('route', 'text', (c) => c.notNull())
      .addColumn('model_requested', 'text', (c) => c.notNull())
      .addColumn('model_answered', 'text')
      .addColumn('provider_model_id', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('fallbacks', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('http_status', 'integer', (c) => c.notNull())
      .addColumn('stream', 'integer', (c) => c.notNull())
      .addColumn('input_tokens', 'integer', (c) => c.notNull())
      .addColumn('output_tokens', 'integer', (c) => c.notNull())
      .addColumn('cache_read_tokens', 'integer', (c) => c.notNull())
      .addColumn('cache_write_tokens', 'integer', (c) => c.notNull())
      .addColumn('latency_ms', 'double precision', (c) => c.notNull())
      .addColumn('ttft_ms', 'double precision')
      .addColumn('prompt_hash', 'text', (c) => c.notNull())
      .addColumn('output_hash', 'text')
      .addColumn('finish_reason', 'text')
      .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
    await db.schema.createIndex('invocations_ts_idx').on('invocations').column('ts').execute();
    await db.schema.createIndex('invocations_tenant_ts_idx').on('invocations').columns(['tenant', 'ts']).execute();
    await db.schema.createIndex('invocations_route_ts_idx').on('invocations').columns(['route', 'ts']).execute();
  },
};
