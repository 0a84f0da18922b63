import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { StrataDatabase } from '../../../store/index.js';
import type { RetrievalFilter } from '../../retrieve/index.js';
import type { ChunkHit } from '../engine.js';
import { dotWithBlob, topK } from '../vectors.js';
import { filterFragment } from './filter-fragment.js';
import { HNSW_MAX_DIMENSIONS, assertDimensions, ensureHnswIndex, pgvectorSql, vectorLiteral, type VectorSupport } from './pgvector.js';

type Db = Kysely<StrataDatabase>;

/** Rows read per round trip by the exact scan without pgvector. */
const EXACT_PAGE = 2000;
/** HNSW candidate list: at least pgvector's default, and wide enough for the rows asked for (its maximum is 1000). */
const efSearch = (limit: number): number => Math.min(1000, Math.max(40, limit * 2));

/**
 * Best `limit` chunks of a knowledge base by cosine similarity (score = 1 − cosine distance), the filter
 * applied inside the search. Knowledge bases configured `index.vector: exact` (the default) are scanned
 * exactly, in SQL with pgvector's operator or, without pgvector, over the bytea vectors in JS.
 *
 * With pgvector the query orders by the same cast expression the knowledge base's partial HNSW index is
 * built on, with the same predicate (kb_id, dimension), so the planner can answer it from that index. A
 * filter is checked on the rows the graph walk yields; iterative scans (pgvector ≥ 0.8, relaxed order, then
 * re-sorted by distance) keep walking until `limit` rows passed it. Should the walk still come back short
 * (the scan cap, hnsw.max_scan_tuples, reached under a very selective filter; or pgvector < 0.8), the query
 * is answered again by an exact scan of the filtered rows, so a selective filter still returns `limit` hits
 * when that many chunks match.
 */
export async function vectorSearch(
  db: Db,
  support: VectorSupport,
  kbId: string,
  query: Float32Array,
  filter: RetrievalFilter | undefined,
  limit: number,
  useHnsw: boolean,
): Promise<ChunkHit[]> {
  assertDimensions(query.length);
  if (limit < 1) return [];
  if (support.kind === 'exact') return exactScan(db, kbId, query, filter, limit);
  const dims = query.length;
  const hnsw = useHnsw && dims <= HNSW_MAX_DIMENSIONS;
  // a knowledge base ingested before pgvector was there (or switched to hnsw since) has no index yet: built once, here
  if (hnsw) await ensureHnswIndex(db, support, kbId, dims);
  return db.transaction().execute(async (trx) => {
    if (hnsw) {
      await sql`select set_config('hnsw.ef_search', ${String(efSearch(limit))}, true)`.execute(trx);
      if (support.iterativeScan) await sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true)`.execute(trx);
      const viaIndex = await run(trx, nearestQuery(support, kbId, query, filter, limit, 'hnsw'));
      if (viaIndex.length >= limit || filter === undefined) return viaIndex;
    }
    return run(trx, nearestQuery(support, kbId, query, filter, limit, 'exact'));
  });
}

/**
 * The nearest-neighbour query. 'hnsw' orders by the cast expression the knowledge base's partial index is built
 * on, under the same predicate (kb_id, dimension), so the planner can answer it from that index; 'exact' orders
 * by the uncast column, an expression no index has, so every filtered row's distance is computed. Exported
 * for tests that EXPLAIN it.
 */
export function nearestQuery(
  support: Extract<VectorSupport, { kind: 'pgvector' }>,
  kbId: string,
  query: Float32Array,
  filter: RetrievalFilter | undefined,
  limit: number,
  via: 'hnsw' | 'exact',
): RawBuilder<{ id: number; distance: number }> {
  const v = pgvectorSql(support.schema);
  const dims = query.length;
  const q = vectorLiteral(query);
  const distance =
    via === 'hnsw' ? sql`${v.indexed(dims)} ${v.cosine} ${q}::${v.vectorType(dims)}` : sql`c.embedding_v ${v.cosine} ${q}::${v.vectorType()}`;
  // Materialized: the inner ORDER BY … LIMIT is what the index answers; the outer one fixes relaxed order.
  return sql<{ id: number; distance: number }>`
    with nearest as materialized (
      select c.id, ${distance} as distance from kb_chunks c
      where c.kb_id = ${kbId} and ${v.dims(sql`c.embedding_v`)} = ${sql.raw(String(dims))} and ${filterFragment(filter, 'c.metadata')}
      order by distance limit ${limit}
    )
    select id, distance from nearest where distance <> 'NaN'::float8 order by distance, id`;
}

async function run(db: Db, query: RawBuilder<{ id: number; distance: number }>): Promise<ChunkHit[]> {
  const r = await query.execute(db);
  return r.rows.map((x) => ({ id: Number(x.id), score: 1 - Number(x.distance) }));
}

/**
 * Without pgvector: every chunk of the knowledge base with the query's dimension that passes the filter is
 * read in pages (id order, one repeatable-read snapshot) and scored in JS; memory stays at one page plus `limit`.
 */
async function exactScan(db: Db, kbId: string, query: Float32Array, filter: RetrievalFilter | undefined, limit: number): Promise<ChunkHit[]> {
  const bytes = query.length * 4;
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      let best: ChunkHit[] = [];
      let after = 0;
      for (;;) {
        const page = await sql<{ id: number; embedding: Buffer }>`
          select c.id, c.embedding from kb_chunks c
          where c.kb_id = ${kbId} and c.id > ${after} and octet_length(c.embedding) = ${bytes} and ${filterFragment(filter, 'c.metadata')}
          order by c.id limit ${EXACT_PAGE}`.execute(trx);
        const rows = page.rows;
        if (rows.length === 0) break;
        const scored = rows.map((r) => ({ id: Number(r.id), score: dotWithBlob(query, r.embedding) }));
        best = topK([...best, ...scored], limit);
        after = Number(rows[rows.length - 1]!.id);
        if (rows.length < EXACT_PAGE) break;
      }
      return best;
    });
}
