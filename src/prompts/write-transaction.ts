import type { Compilable } from 'kysely';
import type { Store } from '../store/index.js';

/**
 * A transaction body written once for both engines: a generator that yields queries and receives
 * their rows. `yield* rowsOf(query)` reads the rows typed; `yield* exec(query)` runs a write.
 */
export type WriteSteps<T> = Generator<Compilable<unknown>, T, unknown[]>;

/** The rows of a query, inside WriteSteps. */
export function* rowsOf<R>(query: Compilable<R>): Generator<Compilable<unknown>, R[], unknown[]> {
  return (yield query) as R[];
}

/** Runs a statement whose rows are not needed, inside WriteSteps. */
export function* exec(query: Compilable<unknown>): Generator<Compilable<unknown>, void, unknown[]> {
  yield query;
}

/**
 * Runs the steps in one transaction. On SQLite it runs synchronously on the raw connection under
 * BEGIN IMMEDIATE: the connection is shared with synchronous writers (the invocation writer), and
 * an async transaction would let their rows slip into ours between two awaits, to be lost if ours
 * rolled back. On PostgreSQL it is an ordinary transaction on one pooled connection.
 */
export async function runWriteTransaction<T>(store: Store, steps: () => WriteSteps<T>): Promise<T> {
  const raw = store.sqlite;
  if (raw !== undefined) {
    const run = raw.transaction((): T => {
      const gen = steps();
      let next = gen.next();
      while (next.done !== true) {
        const compiled = next.value.compile();
        const stmt = raw.prepare(compiled.sql);
        const params = compiled.parameters as unknown[];
        let rows: unknown[] = [];
        if (stmt.reader) rows = stmt.all(...params);
        else stmt.run(...params);
        next = gen.next(rows);
      }
      return next.value;
    });
    return run.immediate();
  }
  return store.db.transaction().execute(async (trx) => {
    const gen = steps();
    let next = gen.next();
    while (next.done !== true) {
      const result = await trx.executeQuery(next.value.compile());
      next = gen.next(result.rows);
    }
    return next.value;
  });
}
