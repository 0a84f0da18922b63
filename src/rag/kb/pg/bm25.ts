import { sql, type Kysely } from 'kysely';
import type { StrataDatabase } from '../../../store/index.js';
import type { RetrievalFilter } from '../../retrieve/index.js';
import type { ChunkHit } from '../engine.js';
import { filterFragment } from './filter-fragment.js';

/**
 * BM25 on PostgreSQL, computed in SQL from statistics the engine keeps itself.
 *
 * PostgreSQL's ts_rank is not BM25: it weighs how often and how close the query words occur in one
 * document, with no inverse document frequency (a word in every chunk counts as much as a rare one), no
 * saturation of repeated terms in BM25's sense, and only optional, crude length normalisation; ranking
 * quality is measurably worse. So the engine keeps a postings table (knowledge base, term, chunk, term
 * frequency tf, chunk length dl), document frequencies per knowledge base and term (df), and per knowledge
 * base the chunk count N and total length (avgdl = total / N), all updated inside the transactions that
 * replace or remove a document. A query then reads the postings of its terms only and scores, per chunk,
 *
 *   Σ_t idf(t) · tf·(k1 + 1) / (tf + k1·(1 − b + b·dl/avgdl)),   idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5)),
 *
 * with k1 = 1.2 and b = 0.75 (Lucene's variant: the idf is never negative), over the distinct analysed query
 * terms, the metadata filter in the same WHERE. Terms are the chunk's lexicalText split on spaces, the same
 * analyser the SQLite engine feeds FTS5, so both engines rank alike. Statistics are per knowledge base: other
 * knowledge bases' text does not change a score.
 */

type Db = Kysely<StrataDatabase>;

export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/** Terms of an analysed text (lexicalText) with their frequencies, and the text's length in terms. */
export function termFrequencies(lexicalText: string): { tf: Map<string, number>; length: number } {
  const tf = new Map<string, number>();
  let length = 0;
  for (const term of lexicalText.split(' ')) {
    if (term === '') continue;
    length++;
    tf.set(term, (tf.get(term) ?? 0) + 1);
  }
  return { tf, length };
}

/** A chunk as the lexical index needs it: its id and its analysed text. */
export interface IndexedChunk {
  id: number;
  lexicalText: string;
}

/** Adds a document's chunks to the postings, document frequencies and knowledge-base statistics (in trx). */
export async function indexChunks(trx: Db, kbId: string, docId: string, chunks: IndexedChunk[]): Promise<void> {
  if (chunks.length === 0) return;
  const terms: string[] = [];
  const chunkIds: number[] = [];
  const tfs: number[] = [];
  const dls: number[] = [];
  const df = new Map<string, number>();
  let total = 0;
  for (const c of chunks) {
    const { tf, length } = termFrequencies(c.lexicalText);
    total += length;
    for (const [term, n] of tf) {
      terms.push(term);
      chunkIds.push(c.id);
      tfs.push(n);
      dls.push(length);
      df.set(term, (df.get(term) ?? 0) + 1);
    }
  }
  if (terms.length > 0) {
    await sql`insert into kb_postings (kb_id, doc_id, term, chunk_id, tf, dl)
      select ${kbId}, ${docId}, u.term, u.chunk_id, u.tf, u.dl
      from unnest(${terms}::text[], ${chunkIds}::bigint[], ${tfs}::int[], ${dls}::int[]) as u(term, chunk_id, tf, dl)`.execute(trx);
    // sorted, so that the row locks on kb_terms are always taken in one order
    const dfTerms = [...df.keys()].sort();
    await sql`insert into kb_terms (kb_id, term, df)
      select ${kbId}, u.term, u.df from unnest(${dfTerms}::text[], ${dfTerms.map((t) => df.get(t)!)}::int[]) as u(term, df)
      on conflict (kb_id, term) do update set df = kb_terms.df + excluded.df`.execute(trx);
  }
  await sql`insert into kb_lexical_stats (kb_id, chunk_count, total_length) values (${kbId}, ${chunks.length}, ${total})
    on conflict (kb_id) do update set chunk_count = kb_lexical_stats.chunk_count + excluded.chunk_count,
      total_length = kb_lexical_stats.total_length + excluded.total_length`.execute(trx);
}

/** Takes a document's chunks out of the postings and statistics (in trx, before its chunk rows are deleted). */
export async function unindexDocument(trx: Db, kbId: string, docId: string): Promise<void> {
  const gone = await sql<{ n: number; total: number }>`
    select count(*) as n, coalesce(sum(lexical_length), 0) as total from kb_chunks where kb_id = ${kbId} and doc_id = ${docId}`.execute(trx);
  const n = Number(gone.rows[0]?.n ?? 0);
  if (n === 0) return;
  const emptied = await sql<{ term: string; df: number }>`
    update kb_terms t set df = t.df - d.n
    from (select term, count(*)::int as n from kb_postings where kb_id = ${kbId} and doc_id = ${docId} group by term order by term) as d
    where t.kb_id = ${kbId} and t.term = d.term
    returning t.term, t.df`.execute(trx);
  const zero = emptied.rows.filter((r) => Number(r.df) <= 0).map((r) => r.term);
  if (zero.length > 0) await sql`delete from kb_terms where kb_id = ${kbId} and term = any(${zero}::text[])`.execute(trx);
  await sql`delete from kb_postings where kb_id = ${kbId} and doc_id = ${docId}`.execute(trx);
  await sql`update kb_lexical_stats set chunk_count = chunk_count - ${n}, total_length = total_length - ${Number(gone.rows[0]!.total)}
    where kb_id = ${kbId}`.execute(trx);
}

/** Removes every lexical row of a knowledge base (in trx). */
export async function dropLexicalIndex(trx: Db, kbId: string): Promise<void> {
  await sql`delete from kb_postings where kb_id = ${kbId}`.execute(trx);
  await sql`delete from kb_terms where kb_id = ${kbId}`.execute(trx);
  await sql`delete from kb_lexical_stats where kb_id = ${kbId}`.execute(trx);
}

/** Best `limit` chunks by BM25 over the distinct query terms, filter applied in the same query; score higher is better. */
export async function bm25Search(db: Db, kbId: string, queryTerms: string[], filter: RetrievalFilter | undefined, limit: number): Promise<ChunkHit[]> {
  const terms = [...new Set(queryTerms.filter((t) => t !== ''))];
  if (terms.length === 0 || limit < 1) return [];
  const r = await sql<{ id: number; score: number }>`
    with stats as (
      select chunk_count::float8 as n, total_length::float8 / greatest(chunk_count, 1) as avgdl
      from kb_lexical_stats where kb_id = ${kbId} and chunk_count > 0
    ),
    weights as (
      select t.term, ln(1 + (s.n - t.df + 0.5) / (t.df + 0.5)) as idf
      from kb_terms t cross join stats s
      where t.kb_id = ${kbId} and t.term = any(${terms}::text[]) and t.df > 0
    ),
    scored as (
      select p.chunk_id as id,
        sum(w.idf * p.tf * (${BM25_K1}::float8 + 1) / (p.tf + ${BM25_K1}::float8 * (1 - ${BM25_B}::float8 + ${BM25_B}::float8 * p.dl / s.avgdl))) as score
      from kb_postings p join weights w on w.term = p.term cross join stats s
      where p.kb_id = ${kbId}
      group by p.chunk_id
    )
    select sc.id, sc.score from scored sc join kb_chunks c on c.id = sc.id
    where c.kb_id = ${kbId} and ${filterFragment(filter, 'c.metadata')}
    order by sc.score desc, sc.id
    limit ${limit}`.execute(db);
  return r.rows.map((x) => ({ id: Number(x.id), score: Number(x.score) }));
}
