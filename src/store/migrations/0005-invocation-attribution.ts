import type { Migration } from './types.js';

/** Which API key asked, how the response cache treated the request, and which budget downgraded it. */
export const invocationAttributionMigration: Migration = {
  id: 5,
  name: 'invocation-attribution',
  async up(db) {
    await db.schema.alterTable('invocations').addColumn('key_id', 'text').execute();
    // hit | miss | bypass; null = the route has no cache
    await db.schema.alterTable('invocations').addColumn('cache', 'text').execute();
    await db.schema.alterTable('invocations').addColumn('downgraded_by', 'text').execute();
  },
};
