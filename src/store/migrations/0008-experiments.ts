import { sql } from 'kysely';
import type { Migration } from './types.js';

/**
 * A/B experiments over a prompt's versions or a route's models, user feedback on invocations, and the
 * experiment and arm each invocation was served by (so results are a query over the records).
 */
export const experimentsMigration: Migration = {
  id: 8,
  name: 'experiments',
  async up(db) {
    await db.schema
      .createTable('experiments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('arms', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('promoted_arm', 'text')
      .execute();
    await db.schema.createIndex('experiments_target_idx').on('experiments').columns(['tenant', 'target', 'status']).execute();
    // The store checks "one running experiment per target" in its transaction; this partial unique index
    // is what makes two concurrent starts on PostgreSQL unable to both succeed.
    await db.schema
      .createIndex('experiments_one_running_idx')
      .on('experiments')
      .columns(['tenant', 'kind', 'target'])
      .unique()
      .where(sql<boolean>`status = 'running'`)
      .execute();
    await db.schema
      .createTable('feedback')
      .addColumn('invocation_id', 'text', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('score', 'double precision')
      .addColumn('thumbs', 'integer')
      .addColumn('comment', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('invocations').addColumn('experiment', 'text').execute();
    await db.schema.alterTable('invocations').addColumn('arm', 'text').execute();
    // Results read every record of one experiment; without an index that is a scan of all invocations.
    // Partial, so the many records outside experiments cost the hot insert path nothing extra.
    await db.schema.createIndex('invocations_experiment_idx').on('invocations').column('experiment').where('experiment', 'is not', null).execute();
  },
};
