import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { MIGRATIONS, migrate, openStore, type Migration, type Store } from '../../src/store/index.js';
import { StrataError } from '../../src/core/index.js';
import { testEngines } from './engines.js';

async function appliedMigrations(store: Store): Promise<{ id: number; name: string; applied_at: number }[]> {
  return store.db.selectFrom('strata_migrations').select(['id', 'name', 'applied_at']).orderBy('id').execute();
}

async function tableExists(store: Store, name: string): Promise<boolean> {
  try {
    await sql`select count(*) from ${sql.table(name)}`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}

const engines = testEngines('migrations');
afterAll(async () => {
  for (const e of engines) await e.cleanup();
});

describe.each(engines)('migrations on $name', (engine) => {
  it('applies every migration once on first open and nothing on reopen', async () => {
    const database = engine.database();
    const first = await database.open();
    const applied = await appliedMigrations(first);
    expect(applied.map((m) => [m.id, m.name])).toEqual(MIGRATIONS.map((m) => [m.id, m.name]));
    expect(await tableExists(first, 'invocations')).toBe(true);
    expect(await tableExists(first, 'settings')).toBe(true);
    await first.close();

    const second = await database.open();
    expect(await appliedMigrations(second)).toEqual(applied);
    expect(await migrate(second.db, second.dialect)).toEqual([]);
    await second.close();
  });

  it('applies a migration appended later, and only that one', async () => {
    const database = engine.database();
    const store = await database.open();
    const before = await appliedMigrations(store);
    await store.close();

    const extra: Migration = {
      id: 9001,
      name: 'widgets',
      async up(db) {
        await db.schema.createTable('widgets').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
      },
    };
    const upgraded = await database.open({ migrations: [...MIGRATIONS, extra] });
    const after = await appliedMigrations(upgraded);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.at(-1)).toMatchObject({ id: 9001, name: 'widgets' });
    expect(await tableExists(upgraded, 'widgets')).toBe(true);
    await upgraded.close();
  });

  it('rolls a failing migration back entirely and names it in the error', async () => {
    const database = engine.database();
    const broken: Migration = {
      id: 9002,
      name: 'half_done',
      async up(db) {
        await db.schema.createTable('half_done').addColumn('id', 'integer').execute();
        await sql`this is not sql`.execute(db);
      },
    };
    const err = await database.open({ migrations: [...MIGRATIONS, broken] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect((err as StrataError).message).toContain('9002 (half_done)');

    const store = await database.open();
    expect((await appliedMigrations(store)).map((m) => m.id)).toEqual(MIGRATIONS.map((m) => m.id));
    expect(await tableExists(store, 'half_done')).toBe(false);
    await store.close();
  });

  it('refuses a read-only open of a database that needs migrating', async () => {
    const database = engine.database();
    const store = await database.open({ migrations: MIGRATIONS.slice(0, 1) });
    await store.close();
    await expect(database.open({ readonly: true })).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('pending migrations: 2') });
    const migrated = await database.open();
    await migrated.close();
    const ro = await database.open({ readonly: true });
    expect(await ro.db.selectFrom('invocations').select('id').execute()).toEqual([]);
    await ro.close();
  });

  it('lets several stores open an empty database at once, migrating it exactly once', async () => {
    const database = engine.database();
    const stores = await Promise.all(Array.from({ length: 6 }, () => database.open()));
    const applied = await appliedMigrations(stores[0]!);
    expect(applied.map((m) => m.id)).toEqual(MIGRATIONS.map((m) => m.id));
    await Promise.all(stores.map((s) => s.close()));
  });

  if (engine.name === 'postgres') {
    it('keeps schemas isolated from each other', async () => {
      const a = await engine.database().open();
      const b = await engine.database().open();
      await a.db.insertInto('settings').values({ key: 'only_in_a', value: '1', updated_at: 1 }).execute();
      expect(await b.db.selectFrom('settings').selectAll().execute()).toEqual([]);
      await Promise.all([a.close(), b.close()]);
    });

    it('rejects a schema name that would need quoting', async () => {
      await expect(openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/test', schema: 'Robert"); drop' })).rejects.toMatchObject({
        code: 'config_invalid',
      });
    });
  }
});
