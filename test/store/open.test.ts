import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore } from '../../src/store/index.js';
import { StrataError } from '../../src/core/index.js';
import { TEST_DATABASE_URL } from '../helpers/postgres.js';

const tmp = mkdtempSync(join(tmpdir(), 'strata-open-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function openError(opts: Parameters<typeof openStore>[0]): Promise<StrataError> {
  const e: unknown = await openStore(opts).then(
    async (s) => {
      await s.close();
      return undefined;
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StrataError);
  return e as StrataError;
}

describe('openStore (SQLite)', () => {
  it('creates <home>/strata.db with WAL and foreign keys on', async () => {
    const home = join(tmp, 'nested', 'home');
    const store = await openStore({ home });
    expect(store.dialect).toBe('sqlite');
    expect(existsSync(join(home, 'strata.db'))).toBe(true);
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    expect(mode.rows[0]?.journal_mode).toBe('wal');
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db);
    expect(fk.rows[0]?.foreign_keys).toBe(1);
    await store.close();
    await store.close(); // closing twice is harmless
  });

  it('keeps an in-memory database for home ":memory:"', async () => {
    const store = await openStore({ home: ':memory:' });
    await store.db.insertInto('settings').values({ key: 'k', value: 'v', updated_at: 1 }).execute();
    expect(await store.db.selectFrom('settings').select('value').execute()).toEqual([{ value: 'v' }]);
    await store.close();
  });

  it('explains a read-only open where no database exists yet', async () => {
    const err = await openError({ home: join(tmp, 'never-created'), readonly: true });
    expect(err.code).toBe('config_invalid');
    expect(err.message).toContain('No Strata database at');
  });
});

describe('openStore with a bad database URL', () => {
  it('names the host, not the password, when the server is unreachable', async () => {
    const err = await openError({ databaseUrl: 'postgres://strata:Sup3rS3cretPw@127.0.0.1:1/strata' });
    expect(err.code).toBe('config_invalid');
    expect(err.message).toContain('strata@127.0.0.1:1/strata');
    expect(err.message).toContain('Check STRATA_DATABASE_URL');
    expect(err.message).not.toContain('Sup3rS3cretPw');
  });

  it('rejects a URL that is not postgres://', async () => {
    const err = await openError({ databaseUrl: 'mysql://root:hunter2hunter2@db:3306/x' });
    expect(err.message).toContain("Unsupported database URL scheme 'mysql'");
    expect(err.message).not.toContain('hunter2');
  });

  it('rejects text that is not a URL at all', async () => {
    const err = await openError({ databaseUrl: 'not a url' });
    expect(err.message).toContain('not a valid URL');
  });

  it.runIf(TEST_DATABASE_URL !== undefined)('reports a database that does not exist on a running server', async () => {
    const u = new URL(TEST_DATABASE_URL!);
    u.password = 'ignored-by-trust-auth';
    u.pathname = '/strata_no_such_database';
    const err = await openError({ databaseUrl: u.toString() });
    expect(err.message).toContain('strata_no_such_database');
    expect(err.message).toContain('does not exist');
    expect(err.message).not.toContain('ignored-by-trust-auth');
  });
});
