import { createHash } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { StrataError } from '../../../core/index.js';
import type { StrataDatabase } from '../../../store/index.js';

type Db = Kysely<StrataDatabase>;

/** How this store searches vectors: pgvector (HNSW per knowledge base) or an exact scan of the bytea column. */
export type VectorSupport =
  | {
      kind: 'pgvector';
      /** schema the extension lives in: its type, operators and functions are qualified with it */
      schema: string;
      version: string;
      /** pgvector ≥ 0.8: hnsw.iterative_scan keeps scanning the graph until a filtered query has its rows */
      iterativeScan: boolean;
    }
  | { kind: 'exact'; reason: string };

/** pgvector's HNSW index takes `vector` columns of at most 2,000 dimensions; wider ones are scanned exactly. */
export const HNSW_MAX_DIMENSIONS = 2000;
const MAX_DIMENSIONS = 16_000;
/** Knowledge base ids end up as a literal in the partial index predicate: only these characters are accepted. */
const KB_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const BACKFILL_BATCH = 500;

/** Throws unless the id is safe to write as a literal in index DDL (DDL cannot take bound parameters). */
export function assertIndexableKbId(kbId: string): void {
  if (!KB_ID.test(kbId)) {
    throw new StrataError('invalid_request', `Knowledge base id '${kbId.slice(0, 40)}' has characters the PostgreSQL engine does not accept (use letters, digits, '_', '.', ':', '-').`);
  }
}

/** Throws unless n is a plausible embedding dimension (it is spliced into casts as a type modifier). */
export function assertDimensions(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_DIMENSIONS) {
    throw new StrataError('invalid_request', `Embedding dimension ${n} is out of range (1–${MAX_DIMENSIONS}).`);
  }
}

/** Prefix of the HNSW index names of one knowledge base: a hash keeps any id under the 63-byte name limit. */
export function indexPrefix(kbId: string): string {
  return `kb_hnsw_${createHash('sha256').update(kbId).digest('hex').slice(0, 16)}_`;
}

/** `'[x,y,…]'`: pgvector's text input; a float32 printed by JS reads back as the same float32. */
export function vectorLiteral(v: Float32Array): string {
  return `[${Array.prototype.join.call(v, ',')}]`;
}

/** SQL pieces qualified with the extension's schema, so they resolve whatever the search_path is. */
export function pgvectorSql(schema: string) {
  const vectorType = (dims?: number): RawBuilder<unknown> =>
    dims === undefined ? sql`${sql.id(schema)}.vector` : sql`${sql.id(schema)}.vector(${sql.raw(String(dims))})`;
  return {
    vectorType,
    /** the expression the per-KB index is built on: the untyped column cast to the knowledge base's dimension */
    indexed: (dims: number, column: RawBuilder<unknown> = sql`c.embedding_v`) => sql`(${column}::${vectorType(dims)})`,
    cosine: sql.raw(`OPERATOR(${quoteIdent(schema)}.<=>)`),
    dims: (col: RawBuilder<unknown>) => sql`${sql.id(schema)}.vector_dims(${col})`,
  };
}

function quoteIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((x) => Number.parseInt(x, 10));
  return a > major || (a === major && b >= minor);
}

const detected = new WeakMap<Db, Promise<VectorSupport>>();

/** Detects (once per store) whether pgvector can be used, creating the extension and the column when it can. */
export function vectorSupport(db: Db, onMissing: (message: string) => void): Promise<VectorSupport> {
  let found = detected.get(db);
  if (found === undefined) {
    found = detect(db).then((s) => {
      if (s.kind === 'exact') onMissing(s.reason);
      return s;
    });
    // a failed detection (server down) is retried on the next call rather than cached
    found.catch(() => detected.delete(db));
    detected.set(db, found);
  }
  return found;
}

async function extension(db: Db): Promise<{ schema: string; version: string } | undefined> {
  const r = await sql<{ schema: string; version: string }>`
    select n.nspname as schema, e.extversion as version
    from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'vector'`.execute(db);
  return r.rows[0];
}

async function detect(db: Db): Promise<VectorSupport> {
  let ext = await extension(db);
  if (ext === undefined) {
    try {
      await sql`create extension if not exists vector`.execute(db);
    } catch (e) {
      const why = (e as { message?: string }).message ?? 'unknown error';
      return {
        kind: 'exact',
        reason:
          `pgvector is not available on this PostgreSQL server (create extension vector: ${why}). Knowledge-base vector search ` +
          'falls back to an exact scan of every chunk, which gets slow past ~10^5 chunks per knowledge base: install pgvector (≥ 0.8) and restart Strata.',
      };
    }
    ext = await extension(db);
    if (ext === undefined) return { kind: 'exact', reason: 'pgvector could not be created on this PostgreSQL server; knowledge-base vector search uses an exact scan.' };
  }
  await ensureVectorColumn(db, ext.schema);
  return { kind: 'pgvector', schema: ext.schema, version: ext.version, iterativeScan: versionAtLeast(ext.version, 0, 8) };
}

/**
 * The `embedding_v` column, when pgvector arrived after migration 10 ran: added here, and filled from the
 * bytea vectors (the source of truth) in batches. Idempotent, so two processes doing it at once only repeat work.
 */
async function ensureVectorColumn(db: Db, schema: string): Promise<void> {
  const r = await sql<{ n: number }>`
    select count(*) as n from information_schema.columns
    where table_schema = current_schema() and table_name = 'kb_chunks' and column_name = 'embedding_v'`.execute(db);
  if (Number(r.rows[0]?.n ?? 0) > 0) return;
  await sql`alter table kb_chunks add column if not exists embedding_v ${sql.id(schema)}.vector`.execute(db);
  for (;;) {
    const rows = await sql<{ id: number; embedding: Buffer }>`
      select id, embedding from kb_chunks where embedding_v is null order by id limit ${BACKFILL_BATCH}`.execute(db);
    if (rows.rows.length === 0) return;
    const ids = rows.rows.map((x) => x.id);
    const texts = rows.rows.map((x) => vectorLiteral(new Float32Array(x.embedding.buffer.slice(x.embedding.byteOffset, x.embedding.byteOffset + x.embedding.byteLength))));
    await sql`update kb_chunks c set embedding_v = u.v::${sql.id(schema)}.vector
      from unnest(${ids}::bigint[], ${texts}::text[]) as u(id, v) where c.id = u.id`.execute(db);
  }
}

const knownIndexes = new WeakMap<Db, Set<string>>();

/**
 * The partial HNSW index of one knowledge base and dimension, created when missing. It covers only the rows
 * of that knowledge base whose vectors have that dimension, so knowledge bases (and a knowledge base in the
 * middle of a re-embed) with different embedders never make a cast fail. It is built in its own short
 * transaction, before the caller's write transaction: CREATE INDEX inside the writers would have two first
 * ingests into different knowledge bases each wait for the other's inserts.
 */
export async function ensureHnswIndex(db: Db, support: VectorSupport, kbId: string, dims: number): Promise<void> {
  if (support.kind !== 'pgvector' || dims > HNSW_MAX_DIMENSIONS) return;
  assertIndexableKbId(kbId);
  assertDimensions(dims);
  const name = `${indexPrefix(kbId)}${dims}`;
  let known = knownIndexes.get(db);
  if (known === undefined) knownIndexes.set(db, (known = new Set()));
  if (known.has(name)) return;
  const v = pgvectorSql(support.schema);
  await db.transaction().execute(async (trx) => {
    // two sessions creating the same index name at once would otherwise collide on the catalog
    await sql`select pg_advisory_xact_lock(hashtext(${'strata_kb_index:' + name}))`.execute(trx);
    await sql`create index if not exists ${sql.id(name)} on kb_chunks using hnsw (${v.indexed(dims, sql`embedding_v`)} ${sql.id(support.schema)}.vector_cosine_ops)
      where kb_id = ${sql.lit(kbId)} and ${v.dims(sql`embedding_v`)} = ${sql.raw(String(dims))}`.execute(trx);
  });
  known.add(name);
}

/** Names and dimensions of a knowledge base's HNSW indexes in the current schema. */
export async function hnswIndexes(db: Db, kbId: string): Promise<{ name: string; dims: number }[]> {
  const prefix = indexPrefix(kbId);
  const r = await sql<{ name: string }>`
    select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'kb_chunks' and starts_with(indexname, ${prefix})`.execute(db);
  return r.rows.map((x) => ({ name: x.name, dims: Number(x.name.slice(prefix.length)) }));
}

/**
 * Drops the knowledge base's HNSW indexes whose dimension no chunk has any more (all of them when `all`).
 * Outside any transaction and CONCURRENTLY: a plain DROP INDEX would lock kb_chunks for every knowledge base.
 */
export async function dropStaleHnswIndexes(db: Db, support: VectorSupport, kbId: string, all: boolean): Promise<void> {
  if (support.kind !== 'pgvector') return;
  const v = pgvectorSql(support.schema);
  const known = knownIndexes.get(db);
  for (const idx of await hnswIndexes(db, kbId)) {
    if (!all) {
      const used = await sql<{ used: boolean }>`
        select exists (select 1 from kb_chunks c where c.kb_id = ${kbId} and ${v.dims(sql`c.embedding_v`)} = ${idx.dims}) as used`.execute(db);
      if (used.rows[0]?.used === true) continue;
    }
    await sql`drop index concurrently if exists ${sql.id(idx.name)}`.execute(db);
    known?.delete(idx.name);
  }
}
