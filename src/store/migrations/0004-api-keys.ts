import type { Migration } from './types.js';

/** API keys: the public id, the SHA-256 of the secret (never the secret), role, tenant and allow-lists. */
export const apiKeysMigration: Migration = {
  id: 4,
  name: 'api-keys',
  async up(db) {
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('models', 'text')
      .addColumn('routes', 'text')
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('api_keys_tenant_idx').on('api_keys').column('tenant').execute();
  },
};
