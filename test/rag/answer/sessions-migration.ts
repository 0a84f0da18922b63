import { MIGRATIONS, migrate, type Migration, type Store } from '../../../src/store/index.js';

/** Every migration, the sessions table (0012) among them. */
export function migrationsWithSessions(): Migration[] {
  return [...MIGRATIONS];
}

/** Brings an open store's schema up to date including the sessions table. */
export async function migrateSessions(store: Store): Promise<void> {
  await migrate(store.db, store.dialect, migrationsWithSessions());
}
