import { sql, type Kysely } from 'kysely';
import { StrataError } from '../../core/index.js';
import type { Dialect } from '../dialects.js';
import type { StrataDatabase } from '../schema.js';
import type { Migration } from './types.js';
import { invocationsMigration } from './0001-invocations.js';
import { settingsMigration } from './0002-settings.js';
import { invocationCostMigration } from './0003-invocation-cost.js';
import { apiKeysMigration } from './0004-api-keys.js';
import { invocationAttributionMigration } from './0005-invocation-attribution.js';
import { promptsMigration } from './0006-prompts.js';
import { invocationPromptMigration } from './0007-invocation-prompt.js';
import { experimentsMigration } from './0008-experiments.js';
import { knowledgeBasesMigration } from './0009-knowledge-bases.js';
import { kbPostgresMigration } from './0010-kb-postgres.js';
import { kbFtsPerKnowledgeBaseMigration } from './0011-kb-fts-per-knowledge-base.js';
import { kbSessionsMigration } from './0012-kb-sessions.js';
import { invocationGuardrailMigration } from './0013-invocation-guardrail.js';

export type { Migration } from './types.js';

/** Every schema change, oldest first. Append only. */
export const MIGRATIONS: readonly Migration[] = [invocationsMigration, settingsMigration, invocationCostMigration, apiKeysMigration, invocationAttributionMigration, promptsMigration, invocationPromptMigration, experimentsMigration, knowledgeBasesMigration, kbPostgresMigration, kbFtsPerKnowledgeBaseMigration, kbSessionsMigration, invocationGuardrailMigration];

/** First key of the two-key advisory lock; the second is the schema, so schemas migrate independently. */
const PG_LOCK_CLASS = 0x5354_5241; // "STRA"

type AnyDb = Kysely<unknown>;

function checkOrder(migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.id <= migrations[i - 1]!.id) {
      throw new StrataError('internal', `Migration ids must increase: ${migrations[i]!.id} follows ${migrations[i - 1]!.id}.`);
    }
  }
}

/** Tails of in-process lock queues, by database file. */
const fileQueues = new Map<string, Promise<void>>();

/**
 * Serialises fn with other callers holding the same key in this process. better-sqlite3 waits for
 * a busy database synchronously, which would block the event loop that the lock holder needs to
 * finish; two stores on one file in one process must therefore queue here instead.
 */
async function inProcessQueue<T>(key: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (key === undefined) return fn();
  const prev = fileQueues.get(key) ?? Promise.resolve();
  const run = prev.then(fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  fileQueues.set(key, tail);
  try {
    return await run;
  } finally {
    if (fileQueues.get(key) === tail) fileQueues.delete(key);
  }
}

/**
 * Runs fn in a transaction that no other Strata process can run at the same time on this database:
 * an advisory lock on PostgreSQL, BEGIN IMMEDIATE (the write lock up front) on SQLite.
 */
async function withMigrationLock<T>(
  db: AnyDb,
  dialect: Dialect,
  fileKey: string | undefined,
  fn: (trx: AnyDb) => Promise<T>,
): Promise<T> {
  if (dialect === 'postgres') {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${PG_LOCK_CLASS}::int4, hashtext(coalesce(current_schema(), '')))`.execute(trx);
      return fn(trx);
    });
  }
  return inProcessQueue(fileKey, () =>
    db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const out = await fn(conn);
        await sql`commit`.execute(conn);
        return out;
      } catch (e) {
        await sql`rollback`.execute(conn).catch(() => {});
        throw e;
      }
    }),
  );
}

async function ensureMigrationsTable(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('strata_migrations')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
}

async function appliedIds(db: AnyDb): Promise<Set<number>> {
  const rows = await sql<{ id: number | string }>`select id from strata_migrations`.execute(db);
  return new Set(rows.rows.map((r) => Number(r.id)));
}

/**
 * Applies pending migrations, each in its own locked transaction; returns the ids it applied.
 * `sqliteFile` (the resolved path) lets stores on one file in one process take turns.
 */
export async function migrate(
  db: Kysely<StrataDatabase>,
  dialect: Dialect,
  migrations: readonly Migration[] = MIGRATIONS,
  sqliteFile?: string,
): Promise<number[]> {
  checkOrder(migrations);
  const anyDb = db as unknown as AnyDb;
  const done = await withMigrationLock(anyDb, dialect, sqliteFile, async (trx) => {
    await ensureMigrationsTable(trx);
    return appliedIds(trx);
  });
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    const ran = await withMigrationLock(anyDb, dialect, sqliteFile, async (trx) => {
      // Another process may have applied it while we waited for the lock.
      if ((await appliedIds(trx)).has(m.id)) return false;
      try {
        await m.up(trx, dialect);
      } catch (e) {
        throw new StrataError('internal', `Database migration ${m.id} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
      }
      await sql`insert into strata_migrations (id, name, applied_at) values (${m.id}, ${m.name}, ${Date.now()})`.execute(trx);
      return true;
    });
    if (ran) applied.push(m.id);
  }
  return applied;
}

/** Ids of migrations not yet applied (all of them when the database was never migrated). */
export async function pendingMigrations(
  db: Kysely<StrataDatabase>,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  let done: Set<number>;
  try {
    done = await appliedIds(db as unknown as AnyDb);
  } catch {
    done = new Set();
  }
  return migrations.filter((m) => !done.has(m.id)).map((m) => m.id);
}
