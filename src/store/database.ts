import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { StrataError } from '../core/index.js';
import { describePostgresUrl, openPostgres, openSqlite, type Dialect, type EngineHandle } from './dialects.js';
import { MIGRATIONS, migrate, pendingMigrations, type Migration } from './migrations/index.js';
import type { StrataDatabase } from './schema.js';

/**
 * The one database handle of a Strata process: SQLite embedded, or PostgreSQL when a URL is given.
 * Open one Store per SQLite file per process: better-sqlite3 waits for locks synchronously, so two
 * stores writing one file from one event loop can stall each other for the busy timeout.
 */
export interface Store {
  readonly db: Kysely<StrataDatabase>;
  readonly dialect: Dialect;
  /** where the data lives, for people: `sqlite (<file>)` or `postgresql (<user@host:port/db>)`, never a password */
  readonly description: string;
  /** the raw SQLite connection (embedded engine only), for hot-path batch writes with prepared statements */
  readonly sqlite?: BetterSqlite3.Database;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** postgres://… ; unset means embedded SQLite */
  databaseUrl?: string;
  /** SQLite data directory (default STRATA_HOME ?? ./.strata); ':memory:' for an in-memory database */
  home?: string;
  /** PostgreSQL schema to create and use (tests use one per file for isolation) */
  schema?: string;
  /** open without migrating or writing (CLI read commands) */
  readonly?: boolean;
  /** override the migration list (tests); defaults to every Strata migration */
  migrations?: readonly Migration[];
}

/** Opens the database and brings its schema up to date. */
export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  const readonly = opts.readonly ?? false;
  const migrations = opts.migrations ?? MIGRATIONS;
  let engine: EngineHandle;
  if (opts.databaseUrl !== undefined && opts.databaseUrl !== '') {
    engine = await openPostgres(opts.databaseUrl, opts.schema, readonly);
  } else {
    engine = openSqlite(opts.home ?? process.env.STRATA_HOME ?? './.strata', readonly);
  }
  const { db, dialect } = engine;
  try {
    if (readonly) {
      const pending = await pendingMigrations(db, migrations);
      if (pending.length > 0) {
        throw new StrataError(
          'config_invalid',
          `The database schema is behind this version of Strata (pending migrations: ${pending.join(', ')}); open it once read-write (e.g. start the server) to migrate.`,
        );
      }
    } else {
      await migrate(db, dialect, migrations, engine.file);
    }
  } catch (e) {
    await db.destroy().catch(() => {});
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    db,
    dialect,
    description: dialect === 'postgres' ? `postgresql (${describePostgresUrl(opts.databaseUrl!)})` : `sqlite (${engine.file ?? ':memory:'})`,
    sqlite: engine.sqlite,
    close() {
      closed ??= db.destroy();
      return closed;
    },
  };
}
