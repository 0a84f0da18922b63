import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseSessionStore, MemorySessionStore, type SessionStore } from '../../../src/rag/answer/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { TEST_DATABASE_URL, freshSchema } from '../../helpers/postgres.js';
import { migrationsWithSessions } from './sessions-migration.js';

const DAY = 24 * 3600 * 1000;

function behavesLikeASessionStore(name: string, make: (clock: FakeClock) => Promise<{ sessions: SessionStore; close: () => Promise<void> }>): void {
  describe(name, () => {
    it('keeps turns per tenant and session, oldest first, and the last `limit` of them', async () => {
      const clock = new FakeClock();
      const { sessions, close } = await make(clock);
      try {
        await sessions.append('acme', 's1', { question: 'q1', answer: 'a1' });
        await sessions.append('acme', 's1', { question: 'q2', answer: 'a2' });
        await sessions.append('acme', 's1', { question: 'q3', answer: 'a3' });
        expect(await sessions.turns('acme', 's1', 10)).toEqual([
          { question: 'q1', answer: 'a1' },
          { question: 'q2', answer: 'a2' },
          { question: 'q3', answer: 'a3' },
        ]);
        expect((await sessions.turns('acme', 's1', 2))!.map((t) => t.question)).toEqual(['q2', 'q3']);
      } finally {
        await close();
      }
    });

    it("another tenant's session is not found, nor an unknown one", async () => {
      const clock = new FakeClock();
      const { sessions, close } = await make(clock);
      try {
        await sessions.append('acme', 's1', { question: 'q', answer: 'a' });
        expect(await sessions.turns('globex', 's1', 10)).toBeUndefined();
        expect(await sessions.turns('acme', 'nope', 10)).toBeUndefined();
      } finally {
        await close();
      }
    });

    it('expires a session a TTL after its last turn; each turn restarts the TTL', async () => {
      const clock = new FakeClock();
      const { sessions, close } = await make(clock);
      try {
        await sessions.append('acme', 's1', { question: 'q1', answer: 'a1' });
        clock.advance(DAY - 1000);
        await sessions.append('acme', 's1', { question: 'q2', answer: 'a2' });
        clock.advance(DAY - 1000);
        expect(await sessions.turns('acme', 's1', 10)).toHaveLength(2);
        clock.advance(1000);
        expect(await sessions.turns('acme', 's1', 10)).toBeUndefined();
      } finally {
        await close();
      }
    });
  });
}

behavesLikeASessionStore('MemorySessionStore', (clock) => Promise.resolve({ sessions: new MemorySessionStore({ ttlMs: DAY, clock }), close: () => Promise.resolve() }));

behavesLikeASessionStore('DatabaseSessionStore on SQLite', async (clock) => {
  const store = await openStore({ home: ':memory:', migrations: migrationsWithSessions() });
  return { sessions: new DatabaseSessionStore(store, { ttlMs: DAY, clock }), close: () => store.close() };
});

describe.skipIf(!TEST_DATABASE_URL)('DatabaseSessionStore on PostgreSQL', () => {
  const fresh = TEST_DATABASE_URL ? freshSchema(TEST_DATABASE_URL, 'kb_sessions') : undefined;
  const stores: Store[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
    await fresh?.drop();
  });
  behavesLikeASessionStore('(postgres)', async (clock) => {
    const store = await openStore({ databaseUrl: fresh!.url, schema: fresh!.schema, migrations: migrationsWithSessions() });
    stores.push(store);
    // one schema for the file: tests use distinct tenants' data only through fresh session ids
    await store.db.deleteFrom('kb_session_turns' as never).execute();
    return { sessions: new DatabaseSessionStore(store, { ttlMs: DAY, clock }), close: () => Promise.resolve() };
  });
});
