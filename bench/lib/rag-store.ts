import { MIGRATIONS, migrate } from '../../src/store/index.js';
import { kbFtsPerKnowledgeBaseMigration } from '../../src/store/migrations/0011-kb-fts-per-knowledge-base.js';
import type { Strata } from '../../src/strata.js';

/**
 * Applies migration 11 (per-knowledge-base FTS tables) when the release's migration list does not carry it yet,
 * so the benchmarks measure the schema the engine is written for (no shared FTS table fed by triggers as well).
 */
export async function applyKbMigrations(strata: Strata): Promise<void> {
  if (MIGRATIONS.some((m) => m.id === kbFtsPerKnowledgeBaseMigration.id)) return;
  await migrate(strata.store.db, strata.store.dialect, [...MIGRATIONS, kbFtsPerKnowledgeBaseMigration]);
}
