import { openStore, type Store } from '../../src/store/index.js';

/**
 * A PGlite with pgvector served over the PostgreSQL wire protocol (test/helpers/pglite-server.ts; .ci/run
 * starts one), for the pgvector code paths: the machine's PostgreSQL has no pgvector package. Unset: suites skip.
 */
export const TEST_PGVECTOR_URL: string | undefined = process.env.STRATA_TEST_PGVECTOR_URL || undefined;

/**
 * A store on the PGlite server. PGlite is one backend shared by every connection: the socket server runs
 * their statements one at a time (an open transaction's connection first), so the store's ordinary pool
 * works, but session state is shared and startup options are ignored. A per-file schema (search_path) is
 * therefore not possible: everything lives in `public`, and tests isolate themselves by using their own
 * knowledge base ids and tenants.
 */
export async function openPgliteStore(url: string): Promise<Store> {
  return openStore({ databaseUrl: url });
}
