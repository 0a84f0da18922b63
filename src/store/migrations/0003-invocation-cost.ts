import type { Migration } from './types.js';

/** Cost in USD per invocation; null when the answering model had no known price. */
export const invocationCostMigration: Migration = {
  id: 3,
  name: 'invocation-cost',
  async up(db) {
    await db.schema.alterTable('invocations').addColumn('cost_usd', 'double precision').execute();
  },
};
