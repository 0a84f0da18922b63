import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server for server-backed suites; unset means those suites are skipped. */
export const TEST_DATABASE_URL: string | undefined = process.env.STRATA_TEST_DATABASE_URL || undefined;

/** A schema name no other test file will use: `t_<prefix>_<random>`. */
export function randomSchemaName(prefix = 'strata'): string {
  return `t_${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_${randomBytes(6).toString('hex')}`;
}

/** A fresh schema name for one test file, and the cleanup that drops it (CASCADE) in afterAll. */
export interface FreshSchema {
  readonly url: string;
  readonly schema: string;
  drop(): Promise<void>;
}

/** Reserves a fresh schema on the test server; the store creates it, drop() removes it with everything in it. */
export function freshSchema(url: string, prefix?: string): FreshSchema {
  const schema = randomSchemaName(prefix);
  return {
    url,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
