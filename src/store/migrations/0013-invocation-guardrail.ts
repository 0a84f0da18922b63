import type { Migration } from './types.js';

/**
 * Which guardrail policy guarded a request, and what it found and did: a JSON array of
 * `{side, check, action, types}` (entity types, topic names, attack categories — never the matched text).
 */
export const invocationGuardrailMigration: Migration = {
  id: 13,
  name: 'invocation-guardrail',
  async up(db) {
    await db.schema.alterTable('invocations').addColumn('guardrail', 'text').execute();
    await db.schema.alterTable('invocations').addColumn('guardrail_interventions', 'text').execute();
  },
};
