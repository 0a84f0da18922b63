import type { Migration } from './types.js';

/** Small durable key/value (e.g. the generated HMAC key shared by every replica on one database). */
export const settingsMigration: Migration = {
  id: 2,
  name: 'settings',
  async up(db) {
    await db.schema
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
