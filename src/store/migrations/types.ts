import type { Kysely } from 'kysely';
import type { Dialect } from '../dialects.js';

/**
 * One schema change. `id`s are strictly increasing and never reused or edited once released:
 * a database records which ids it has applied. Add a change by appending a new file to the list
 * in migrations/index.ts.
 */
export interface Migration {
  id: number;
  name: string;
  /** runs inside a transaction; the untyped Kysely is deliberate since a migration sees the schema as it was */
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}
