import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type OpenStoreOptions, type Store, type Dialect } from '../../src/store/index.js';
import { TEST_DATABASE_URL, freshSchema, type FreshSchema } from '../helpers/postgres.js';

/** Where one test database lives; every open() of the same location sees the same data. */
export interface TestDatabase {
  open(extra?: Partial<OpenStoreOptions>): Promise<Store>;
}

/** One database engine under test. */
export interface TestEngine {
  name: Dialect;
  /** a new empty database (SQLite: a temp directory; PostgreSQL: a fresh schema) */
  database(): TestDatabase;
  /** removes every database this engine handed out */
  cleanup(): Promise<void>;
}

function sqliteEngine(): TestEngine {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    database() {
      const home = mkdtempSync(join(tmpdir(), 'strata-store-'));
      dirs.push(home);
      return { open: (extra) => openStore({ home, ...extra }) };
    },
    cleanup() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

function postgresEngine(url: string, prefix: string): TestEngine {
  const schemas: FreshSchema[] = [];
  return {
    name: 'postgres',
    database() {
      const fresh = freshSchema(url, prefix);
      schemas.push(fresh);
      return { open: (extra) => openStore({ databaseUrl: fresh.url, schema: fresh.schema, ...extra }) };
    },
    async cleanup() {
      for (const s of schemas) await s.drop();
    },
  };
}

/** SQLite always; PostgreSQL too when STRATA_TEST_DATABASE_URL is set. */
export function testEngines(prefix: string): TestEngine[] {
  const engines = [sqliteEngine()];
  if (TEST_DATABASE_URL !== undefined) engines.push(postgresEngine(TEST_DATABASE_URL, prefix));
  return engines;
}
