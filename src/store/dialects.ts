import { mkdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { StrataError } from '../core/index.js';
import type { StrataDatabase } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** An open Kysely instance plus what is needed to release its engine. */
export interface EngineHandle {
  db: Kysely<StrataDatabase>;
  dialect: Dialect;
  /** resolved SQLite file path (undefined in memory and on PostgreSQL) */
  file?: string;
  /** the raw SQLite connection, for hot-path writes with prepared statements */
  sqlite?: BetterSqlite3.Database;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
const PG_INT8_OID = 20;

/** Throws config_invalid unless name is a plain lower-case identifier (no quoting needed anywhere). */
export function assertSchemaName(name: string): void {
  if (!SCHEMA_NAME.test(name) || name.length > 63) {
    throw new StrataError(
      'config_invalid',
      `Invalid PostgreSQL schema name '${name}': use lower-case letters, digits and '_', starting with a letter or '_' (max 63).`,
    );
  }
}

/** SQLite file under home (or in memory for home ':memory:'), with the pragmas a server wants. */
export function openSqlite(home: string, readonly: boolean): EngineHandle {
  let file = ':memory:';
  if (home !== ':memory:') {
    const dir = resolve(home);
    file = join(dir, 'strata.db');
    if (readonly) {
      if (!existsSync(file)) {
        throw new StrataError(
          'config_invalid',
          `No Strata database at ${file}; start the server (or any write command) once to create it, or set STRATA_HOME.`,
        );
      }
    } else {
      mkdirSync(dir, { recursive: true });
    }
  }
  let raw: BetterSqlite3.Database;
  try {
    raw = new BetterSqlite3(file, { readonly: readonly && file !== ':memory:', fileMustExist: readonly });
  } catch (e) {
    throw new StrataError('config_invalid', `Cannot open SQLite database ${file}: ${(e as Error).message}. Check STRATA_HOME and its permissions.`, { cause: e });
  }
  if (!readonly) raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<StrataDatabase>({ dialect: new SqliteDialect({ database: raw }) });
  return file === ':memory:' ? { db, dialect: 'sqlite', sqlite: raw } : { db, dialect: 'sqlite', file, sqlite: raw };
}

/** "user@host:port/db" from a connection string: safe to print, never carries the password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${safeDecode(u.username)}@` : '';
    const port = u.port || '5432';
    const dbName = u.pathname.replace(/^\//, '') || '(default database)';
    return `${user}${u.hostname || 'localhost'}:${port}/${dbName}`;
  } catch {
    return '(unparseable URL)';
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function parseInt8(value: string): number {
  return Number(value);
}

function int8AsNumber(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === PG_INT8_OID && format !== 'binary') return parseInt8;
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

/**
 * A pg Pool behind Kysely. With `schema`, every pooled connection starts with that search_path (as a
 * startup option rather than a SET on 'connect': a failed SET would silently leave a connection on
 * the public schema, a failed startup option fails the connection).
 */
export async function openPostgres(url: string, schema: string | undefined, readonly: boolean): Promise<EngineHandle> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StrataError('config_invalid', 'The database URL is not a valid URL; expected postgres://user:password@host:5432/database.');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StrataError(
      'config_invalid',
      `Unsupported database URL scheme '${parsed.protocol.replace(/:$/, '')}'; expected postgres:// (leave STRATA_DATABASE_URL unset for embedded SQLite).`,
    );
  }
  if (schema !== undefined) assertSchemaName(schema);
  const options = [
    schema !== undefined ? `-c search_path=${schema}` : '',
    readonly ? '-c default_transaction_read_only=on' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 10_000,
    ...(options ? { options } : {}),
    // int8 (bigint, count(*)) as JS numbers: epoch-ms timestamps and counts fit in 2^53.
    types: { getTypeParser: int8AsNumber as typeof pg.types.getTypeParser },
  });
  // An idle client dropped by the server emits 'error' on the pool; without a listener Node exits.
  // The next checkout reconnects, so there is nothing else to do here.
  pool.on('error', () => {});
  const db = new Kysely<StrataDatabase>({ dialect: new PostgresDialect({ pool }) });
  const where = describePostgresUrl(url);
  try {
    await sql`select 1`.execute(db);
  } catch (e) {
    await db.destroy().catch(() => {});
    const password = safeDecode(parsed.password);
    let reason = e instanceof Error ? e.message : 'unknown error';
    // pg does not echo passwords today; this keeps it that way if a driver message ever does.
    if (password.length >= 4) reason = reason.replaceAll(password, '***');
    throw new StrataError(
      'config_invalid',
      `Cannot connect to PostgreSQL at ${where}: ${reason}. Check STRATA_DATABASE_URL (host, port, database, user, password) and that the server is running and reachable.`,
      { cause: e },
    );
  }
  if (schema !== undefined && !readonly) {
    // Concurrent CREATE SCHEMA IF NOT EXISTS can still race on the catalog; serialise it.
    await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${'strata_schema:' + schema}))`.execute(trx);
      await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
    });
  }
  return { db, dialect: 'postgres' };
}
