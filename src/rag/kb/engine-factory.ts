import type { Store } from '../../store/index.js';
import type { KbEngine } from './engine.js';
import { PgKbEngine } from './pg/index.js';
import { SqliteKbEngine } from './sqlite/engine.js';

/** One engine per store: its caches (prepared statements, HNSW graphs) are shared by every caller. */
const engines = new WeakMap<Store, KbEngine>();

/** The knowledge-base engine for a store: SQLite (FTS5, in-memory exact vectors, usearch HNSW) or PostgreSQL (pgvector). */
export function kbEngineFor(store: Store): KbEngine {
  let engine = engines.get(store);
  if (engine === undefined) {
    engine = store.dialect === 'sqlite' ? new SqliteKbEngine(store) : new PgKbEngine(store);
    engines.set(store, engine);
  }
  return engine;
}
