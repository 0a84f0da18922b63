import { StrataError } from '../../core/index.js';
import { filterNode, type FilterScalar, type RetrievalFilter } from './filter.js';

/**
 * Compiles a parsed RetrievalFilter into a WHERE fragment over a JSON metadata column, with exactly the
 * semantics of `matchesFilter` (the property test in test/rag/retrieve holds the two together). Values and
 * keys are always bound parameters; only the column name is spliced in, and it is checked to be an identifier.
 *
 * SQLite: each leaf is `EXISTS (SELECT 1 FROM json_each(col) WHERE key = ? AND …)`. Matching the key in
 * json_each instead of building a `$."key"` path for json_extract means any key works (SQLite paths cannot
 * escape a `"`), and EXISTS is always 0 or 1, so SQL's NULL logic never leaks into NOT or OR.
 * PostgreSQL: each leaf reads `col::jsonb -> $k` once; jsonb equality and ordering are type-strict (a string
 * never equals a number), which is what matchesFilter does, and every leaf is COALESCEd to a real boolean.
 */

export type FilterDialect = 'sqlite' | 'postgres';

export interface CompiledFilter {
  sql: string;
  params: unknown[];
}

export interface CompileFilterOptions {
  /** PostgreSQL placeholders start after this many (the fragment joins a query that already has $1…$n). */
  paramOffset?: number;
}

const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** Compiles a filter into `{ sql, params }` for the dialect's placeholders (`?` or `$n`). */
export function compileFilterSql(
  filter: RetrievalFilter,
  dialect: FilterDialect,
  metadataColumn: string,
  opts: CompileFilterOptions = {},
): CompiledFilter {
  if (!COLUMN.test(metadataColumn)) {
    throw new StrataError('internal', `Metadata column "${metadataColumn}" is not a plain SQL identifier.`);
  }
  const params: unknown[] = [];
  const offset = opts.paramOffset ?? 0;
  const bind = (v: unknown): string => {
    params.push(v);
    return dialect === 'sqlite' ? '?' : `$${offset + params.length}`;
  };
  const sql = dialect === 'sqlite' ? sqlite(filter, metadataColumn, bind) : postgres(filter, metadataColumn, bind);
  return { sql, params };
}

type Bind = (v: unknown) => string;

function logical(op: 'andAll' | 'orAll', parts: string[]): string {
  return `(${parts.join(op === 'andAll' ? ' AND ' : ' OR ')})`;
}

// ---- SQLite ----------------------------------------------------------------------------------------------

const SQLITE_NUMBER = "m.type IN ('integer', 'real')";

/** Predicate on the json_each row `m` (type, value): the member equals one of the scalars. */
function sqliteEqualsAny(values: readonly FilterScalar[], bind: Bind): string {
  const strings = values.filter((v): v is string => typeof v === 'string');
  const numbers = values.filter((v): v is number => typeof v === 'number');
  const bools = values.filter((v): v is boolean => typeof v === 'boolean');
  const parts: string[] = [];
  if (strings.length > 0) parts.push(`(m.type = 'text' AND m.value IN (${strings.map(bind).join(', ')}))`);
  if (numbers.length > 0) parts.push(`(${SQLITE_NUMBER} AND m.value IN (${numbers.map(bind).join(', ')}))`);
  // JSON booleans have their own json_each types; their value (1/0) would otherwise equal the numbers 1 and 0.
  if (bools.length > 0) parts.push(`m.type IN (${[...new Set(bools)].map((b) => `'${String(b)}'`).join(', ')})`);
  return `(${parts.join(' OR ')})`;
}

function sqlite(filter: RetrievalFilter, col: string, bind: Bind): string {
  const node = filterNode(filter);
  if ('filters' in node) return logical(node.op, node.filters.map((f) => sqlite(f, col, bind)));
  const keyParam = bind(node.key);
  let pred: string;
  switch (node.op) {
    case 'equals':
      pred = sqliteEqualsAny([node.value], bind);
      break;
    case 'notEquals':
      pred = `NOT ${sqliteEqualsAny([node.value], bind)}`;
      break;
    case 'in':
      pred = sqliteEqualsAny(node.value, bind);
      break;
    case 'notIn':
      pred = `NOT ${sqliteEqualsAny(node.value, bind)}`;
      break;
    case 'greaterThan':
      pred = `${SQLITE_NUMBER} AND m.value > ${bind(node.value)}`;
      break;
    case 'greaterThanOrEquals':
      pred = `${SQLITE_NUMBER} AND m.value >= ${bind(node.value)}`;
      break;
    case 'lessThan':
      pred = `${SQLITE_NUMBER} AND m.value < ${bind(node.value)}`;
      break;
    case 'lessThanOrEquals':
      pred = `${SQLITE_NUMBER} AND m.value <= ${bind(node.value)}`;
      break;
    case 'startsWith':
      // substr/length count characters on both sides, so this is a prefix test; LIKE would need escaping.
      pred = `m.type = 'text' AND substr(m.value, 1, length(${bind(node.value)})) = ${bind(node.value)}`;
      break;
    case 'stringContains':
      pred =
        `(m.type = 'text' AND instr(m.value, ${bind(node.value)}) > 0) OR (m.type = 'array' AND EXISTS ` +
        `(SELECT 1 FROM json_each(m.value) AS e WHERE e.type = 'text' AND instr(e.value, ${bind(node.value)}) > 0))`;
      break;
    case 'listContains':
      pred =
        `m.type = 'array' AND EXISTS ` +
        `(SELECT 1 FROM json_each(m.value) AS e WHERE e.type = 'text' AND e.value = ${bind(node.value)})`;
      break;
  }
  return `EXISTS (SELECT 1 FROM json_each(${col}) AS m WHERE m.key = ${keyParam} AND (${pred}))`;
}

// ---- PostgreSQL ------------------------------------------------------------------------------------------

function postgres(filter: RetrievalFilter, col: string, bind: Bind): string {
  const node = filterNode(filter);
  if ('filters' in node) return logical(node.op, node.filters.map((f) => postgres(f, col, bind)));
  // `::text` picks jsonb -> text (object field) over jsonb -> int (array index) for the untyped parameter.
  const x = `((${col})::jsonb -> ${bind(node.key)}::text)`;
  const num = (op: string, v: number): string => `jsonb_typeof(${x}) = 'number' AND ${x} ${op} ${bind(JSON.stringify(v))}::jsonb`;
  let pred: string;
  switch (node.op) {
    case 'equals':
      pred = `${x} = ${bind(JSON.stringify(node.value))}::jsonb`;
      break;
    case 'notEquals':
      pred = `${x} IS NOT NULL AND ${x} <> ${bind(JSON.stringify(node.value))}::jsonb`;
      break;
    case 'in':
      pred = `EXISTS (SELECT 1 FROM jsonb_array_elements(${bind(JSON.stringify(node.value))}::jsonb) AS e(v) WHERE e.v = ${x})`;
      break;
    case 'notIn':
      pred =
        `${x} IS NOT NULL AND NOT EXISTS ` +
        `(SELECT 1 FROM jsonb_array_elements(${bind(JSON.stringify(node.value))}::jsonb) AS e(v) WHERE e.v = ${x})`;
      break;
    case 'greaterThan':
      pred = num('>', node.value);
      break;
    case 'greaterThanOrEquals':
      pred = num('>=', node.value);
      break;
    case 'lessThan':
      pred = num('<', node.value);
      break;
    case 'lessThanOrEquals':
      pred = num('<=', node.value);
      break;
    case 'startsWith':
      pred = `jsonb_typeof(${x}) = 'string' AND starts_with(${x} #>> '{}', ${bind(node.value)}::text)`;
      break;
    case 'stringContains': {
      const v = bind(node.value);
      // CASE, not AND: jsonb_array_elements_text fails on a non-array, and AND does not promise an order.
      pred =
        `CASE jsonb_typeof(${x}) WHEN 'string' THEN strpos(${x} #>> '{}', ${v}::text) > 0 ` +
        `WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(${x}) AS e(v) ` +
        `WHERE jsonb_typeof(e.v) = 'string' AND strpos(e.v #>> '{}', ${v}::text) > 0) ELSE false END`;
      break;
    }
    case 'listContains':
      pred = `jsonb_typeof(${x}) = 'array' AND ${x} @> ${bind(JSON.stringify([node.value]))}::jsonb`;
      break;
  }
  return `COALESCE((${pred}), false)`;
}
