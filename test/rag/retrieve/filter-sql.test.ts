import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileFilterSql,
  matchesFilter,
  parseRetrievalFilter,
  type FilterScalar,
  type Metadata,
  type RetrievalFilter,
} from '../../../src/rag/retrieve/index.js';
import { TEST_DATABASE_URL, freshSchema } from '../../helpers/postgres.js';

/** mulberry32, so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Small value pools so that random filters and random metadata actually meet; they include the awkward
// cases: a key with a quote and a dot, an empty string, 1 vs true vs "1", negative and fractional numbers.
const KEYS = ['genre', 'year', 'tags', 'flag', 'we"ird.key', 'x'];
const STRINGS = ['cat', 'camel', 'Cat', 'at', '', '1', 'dog food', 'ünï'];
const NUMBERS = [-1, 0, 1, 1.5, 2019, 2020];

function generators(rnd: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const scalar = (): FilterScalar => (rnd() < 0.5 ? pick(STRINGS) : rnd() < 0.7 ? pick(NUMBERS) : rnd() < 0.5);
  const metadata = (): Metadata => {
    const md: Metadata = {};
    for (const k of KEYS) {
      const r = rnd();
      if (r < 0.3) continue;
      md[k] = r < 0.5 ? pick(STRINGS) : r < 0.7 ? pick(NUMBERS) : r < 0.8 ? rnd() < 0.5 : STRINGS.filter(() => rnd() < 0.3);
    }
    return md;
  };
  const filter = (depth: number): RetrievalFilter => {
    if (depth < 3 && rnd() < 0.3) {
      const members = Array.from({ length: 2 + Math.floor(rnd() * 2) }, () => filter(depth + 1));
      return rnd() < 0.5 ? { andAll: members } : { orAll: members };
    }
    const key = pick(KEYS);
    const op = pick(['equals', 'notEquals', 'greaterThan', 'greaterThanOrEquals', 'lessThan', 'lessThanOrEquals',
      'in', 'notIn', 'startsWith', 'listContains', 'stringContains'] as const);
    const value =
      op === 'equals' || op === 'notEquals' ? scalar()
      : op === 'in' || op === 'notIn' ? Array.from({ length: 1 + Math.floor(rnd() * 3) }, scalar)
      : op.startsWith('greater') || op.startsWith('less') ? pick(NUMBERS)
      : pick(STRINGS);
    // Through the parser, so the generator cannot build a filter that real input could not.
    return parseRetrievalFilter({ [op]: { key, value } });
  };
  return { metadata, filter };
}

const ROWS = 200;
const FILTERS = 400;

function expectedIds(rows: Metadata[], f: RetrievalFilter): number[] {
  return rows.flatMap((md, i) => (matchesFilter(f, md) ? [i] : []));
}

describe('compileFilterSql on SQLite agrees with matchesFilter', () => {
  const db = new BetterSqlite3(':memory:');
  const { metadata, filter } = generators(prng(20261126));
  const rows = Array.from({ length: ROWS }, metadata);
  beforeAll(() => {
    db.exec('CREATE TABLE chunks (id INTEGER PRIMARY KEY, metadata TEXT)');
    const insert = db.prepare('INSERT INTO chunks (id, metadata) VALUES (?, ?)');
    rows.forEach((md, i) => insert.run(i, JSON.stringify(md)));
  });
  afterAll(() => db.close());

  it(`on ${FILTERS} random filters over ${ROWS} random rows`, () => {
    let nonTrivial = 0;
    for (let n = 0; n < FILTERS; n++) {
      const f = filter(0);
      const { sql, params } = compileFilterSql(f, 'sqlite', 'metadata');
      const got = db.prepare(`SELECT id FROM chunks WHERE ${sql} ORDER BY id`).pluck().all(...params) as number[];
      const want = expectedIds(rows, f);
      if (want.length > 0 && want.length < ROWS) nonTrivial++;
      expect(got, JSON.stringify(f)).toEqual(want);
    }
    // The generator must produce filters that split the rows, or the agreement proves little.
    expect(nonTrivial).toBeGreaterThan(FILTERS / 2);
  });

  it('binds every value and key as a parameter', () => {
    const f = parseRetrievalFilter({ equals: { key: "k'); DROP TABLE chunks; --", value: "'; --" } });
    const { sql, params } = compileFilterSql(f, 'sqlite', 'metadata');
    expect(sql).not.toContain('DROP');
    expect(params).toEqual(["k'); DROP TABLE chunks; --", "'; --"]);
    expect(db.prepare(`SELECT count(*) FROM chunks WHERE ${sql}`).pluck().get(...params)).toBe(0);
    expect(() => compileFilterSql(f, 'sqlite', 'metadata; DROP TABLE chunks')).toThrow(/identifier/);
  });
});

describe.skipIf(!TEST_DATABASE_URL)('compileFilterSql on PostgreSQL agrees with matchesFilter', () => {
  const schema = freshSchema(TEST_DATABASE_URL ?? '', 'rag_filter');
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  const { metadata, filter } = generators(prng(7));
  const rows = Array.from({ length: ROWS }, metadata);
  beforeAll(async () => {
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema.schema}"`);
    await client.query(`SET search_path TO "${schema.schema}"`);
    // A text column, as the brief's "JSON text column": the compiled SQL casts it to jsonb.
    await client.query('CREATE TABLE chunks (id integer PRIMARY KEY, metadata text)');
    for (let i = 0; i < rows.length; i++) {
      await client.query('INSERT INTO chunks (id, metadata) VALUES ($1, $2)', [i, JSON.stringify(rows[i])]);
    }
  });
  afterAll(async () => {
    await client.end();
    await schema.drop();
  });

  it(`on ${FILTERS} random filters over ${ROWS} random rows`, async () => {
    for (let n = 0; n < FILTERS; n++) {
      const f = filter(0);
      // Offset 1: the fragment follows a query that already uses $1.
      const { sql, params } = compileFilterSql(f, 'postgres', 'metadata', { paramOffset: 1 });
      const res = await client.query<{ id: number }>(`SELECT id FROM chunks WHERE id >= $1 AND ${sql} ORDER BY id`, [0, ...params]);
      expect(res.rows.map((r) => r.id), JSON.stringify(f)).toEqual(expectedIds(rows, f));
    }
  });
});
