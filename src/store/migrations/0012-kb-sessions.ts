import type { Migration } from './types.js';

/**
 * Conversations of retrieve-and-generate (`sessionId`): one row per turn, so concurrent follow-ups append
 * without a read-modify-write of a shared row. `expires_at` is the session's (every row of a session carries
 * the same value, moved forward on each turn), so expiry and clean-up are one indexed range each.
 * Questions and answers are content: they live here (like documents and prompts), never in logs.
 */
export const kbSessionsMigration: Migration = {
  id: 12,
  name: 'kb-sessions',
  async up(db, dialect) {
    await db.schema
      .createTable('kb_session_turns')
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('question', 'text', (c) => c.notNull())
      .addColumn('answer', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('kb_session_turns_session_idx').on('kb_session_turns').columns(['tenant', 'session_id', 'id']).execute();
    await db.schema.createIndex('kb_session_turns_expiry_idx').on('kb_session_turns').column('expires_at').execute();
  },
};
