import type { Migration } from './types.js';

/**
 * The prompt registry: prompts per tenant, their immutable versions, the labels pointing at versions
 * and the append-only history of label moves. Foreign keys make a label at a missing version (or a
 * version of a missing prompt) impossible whatever the code above does.
 */
export const promptsMigration: Migration = {
  id: 6,
  name: 'prompts',
  async up(db, dialect) {
    await db.schema
      .createTable('prompts')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('prompts_pk', ['tenant', 'name'])
      .execute();
    await db.schema
      .createTable('prompt_versions')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('message', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      // The primary key is what stops two concurrent pushes from both taking version n.
      .addPrimaryKeyConstraint('prompt_versions_pk', ['tenant', 'name', 'version'])
      .addForeignKeyConstraint('prompt_versions_prompt_fk', ['tenant', 'name'], 'prompts', ['tenant', 'name'])
      .execute();
    await db.schema
      .createTable('prompt_labels')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('prompt_labels_pk', ['tenant', 'name', 'label'])
      .addForeignKeyConstraint('prompt_labels_version_fk', ['tenant', 'name', 'version'], 'prompt_versions', ['tenant', 'name', 'version'])
      .execute();
    await db.schema
      .createTable('prompt_label_events')
      // An increasing id orders the history even when several moves share one millisecond.
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('from_version', 'integer')
      .addColumn('to_version', 'integer')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addForeignKeyConstraint('prompt_label_events_prompt_fk', ['tenant', 'name'], 'prompts', ['tenant', 'name'])
      .execute();
    await db.schema.createIndex('prompt_label_events_prompt_idx').on('prompt_label_events').columns(['tenant', 'name', 'id']).execute();
  },
};
