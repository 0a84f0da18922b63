import type { Migration } from './types.js';

/** Which prompt version a request rendered: `name@version` (never a label, which moves). */
export const invocationPromptMigration: Migration = {
  id: 7,
  name: 'invocation-prompt',
  async up(db) {
    await db.schema.alterTable('invocations').addColumn('prompt', 'text').execute();
  },
};
