import { MIGRATIONS, migrate, type Migration, type Store } from '../../../src/store/index.js';
import { kbSessionsMigration } from '../../../src/store/migrations/0012-kb-sessions.js';

/** Every migration with 0012 (kb sessions) registered locally, until the lead adds it to MIGRATIONS. */
export function migrationsWithSessions(): Migration[] {
  return MIGRATIONS.some((m) => m.id === kbSessionsMigration.id) ? [...MIGRATIONS] : [...MIGRATIONS, kbSessionsMigration];
}

/** Brings an open store's schema up to date including the sessions table. */
export async function migrateSessions(store: Store): Promise<void> {
  await migrate(store.db, store.dialect, migrationsWithSessions());
}
