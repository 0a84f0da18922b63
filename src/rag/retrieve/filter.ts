import { StrataError, isRecord } from '../../core/index.js';

/**
 * Metadata filters in the shape of Bedrock Knowledge Bases' `RetrievalFilter` (a union: exactly one operator
 * per object), parsed from untrusted JSON and evaluated in memory. The semantics follow the API reference
 * (docs.aws.amazon.com/bedrock/latest/APIReference/API_agent-runtime_RetrievalFilter.html) and the user guide's
 * operator table (docs.aws.amazon.com/bedrock/latest/userguide/kb-test-config.html):
 *
 *   - every comparison needs the attribute to be present: the reference defines notEquals and notIn as
 *     "data sources that contain a metadata attribute whose name matches the key and whose value doesn't
 *     match / isn't in …", so a document without the key matches neither;
 *   - comparisons are type-strict (the string "1989" is not the number 1989, `true` is not 1), and string
 *     comparisons are case-sensitive, as on Bedrock's keyword-typed vector-store fields;
 *   - equals/notEquals take a string, number or boolean; greaterThan…lessThanOrEquals a number;
 *     in/notIn a list of scalars; startsWith, stringContains and listContains a string;
 *   - stringContains matches a string attribute containing the value, or a list attribute with a member that
 *     contains it; listContains matches a list attribute with the value as a member; equals, in and
 *     startsWith never match a list attribute (use listContains);
 *   - andAll/orAll need at least 2 members (the reference's minimum).
 */

export type FilterScalar = string | number | boolean;
export type MetadataValue = string | number | boolean | string[];
export type Metadata = Record<string, MetadataValue>;

export interface FilterAttribute<V> {
  key: string;
  value: V;
}

export type ScalarOperator = 'equals' | 'notEquals';
export type NumberOperator = 'greaterThan' | 'greaterThanOrEquals' | 'lessThan' | 'lessThanOrEquals';
export type ListOperator = 'in' | 'notIn';
export type StringOperator = 'startsWith' | 'listContains' | 'stringContains';
export type LogicalOperator = 'andAll' | 'orAll';
export type FilterOperator = ScalarOperator | NumberOperator | ListOperator | StringOperator | LogicalOperator;

export type RetrievalFilter =
  | { equals: FilterAttribute<FilterScalar> }
  | { notEquals: FilterAttribute<FilterScalar> }
  | { greaterThan: FilterAttribute<number> }
  | { greaterThanOrEquals: FilterAttribute<number> }
  | { lessThan: FilterAttribute<number> }
  | { lessThanOrEquals: FilterAttribute<number> }
  | { in: FilterAttribute<FilterScalar[]> }
  | { notIn: FilterAttribute<FilterScalar[]> }
  | { startsWith: FilterAttribute<string> }
  | { listContains: FilterAttribute<string> }
  | { stringContains: FilterAttribute<string> }
  | { andAll: RetrievalFilter[] }
  | { orAll: RetrievalFilter[] };

/** A filter reduced to one tagged node, so that evaluators switch on `op` instead of probing keys. */
export type FilterNode =
  | { op: ScalarOperator; key: string; value: FilterScalar }
  | { op: NumberOperator; key: string; value: number }
  | { op: ListOperator; key: string; value: FilterScalar[] }
  | { op: StringOperator; key: string; value: string }
  | { op: LogicalOperator; filters: RetrievalFilter[] };

const SCALAR_OPS: readonly string[] = ['equals', 'notEquals'];
const NUMBER_OPS: readonly string[] = ['greaterThan', 'greaterThanOrEquals', 'lessThan', 'lessThanOrEquals'];
const LIST_OPS: readonly string[] = ['in', 'notIn'];
const STRING_OPS: readonly string[] = ['startsWith', 'listContains', 'stringContains'];
const LOGICAL_OPS: readonly string[] = ['andAll', 'orAll'];
const ALL_OPS: readonly string[] = [...SCALAR_OPS, ...NUMBER_OPS, ...LIST_OPS, ...STRING_OPS, ...LOGICAL_OPS];

export interface ParseFilterOptions {
  /** Nesting of andAll/orAll allowed; Bedrock documents one level of groups inside a group (depth 2). */
  maxDepth?: number;
  /** Members of one andAll/orAll, and values of one in/notIn list: a bound on the SQL a filter can produce. */
  maxMembers?: number;
}

/** Generous defaults: stricter than this only hurts users, looser only lets a request build huge SQL. */
export const FILTER_LIMITS = { maxDepth: 5, maxMembers: 100, maxKeyLength: 256 } as const;

function fail(path: string, problem: string): never {
  throw new StrataError('invalid_request', `Invalid filter at ${path}: ${problem}.`, { details: { path } });
}


function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function isScalar(v: unknown): v is FilterScalar {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** Validates the `{key, value}` of a leaf operator and returns its key. */
function parseKey(attr: Record<string, unknown>, path: string): string {
  for (const k of Object.keys(attr)) if (k !== 'key' && k !== 'value') fail(`${path}.${k}`, 'unknown field (expected key and value)');
  const key = attr.key;
  if (typeof key !== 'string' || key.length === 0) fail(`${path}.key`, 'expected a non-empty string');
  if (key.length > FILTER_LIMITS.maxKeyLength) fail(`${path}.key`, `longer than ${FILTER_LIMITS.maxKeyLength} characters`);
  if (!('value' in attr)) fail(`${path}.value`, 'missing');
  return key;
}

function parseNode(raw: unknown, path: string, depth: number, opts: Required<ParseFilterOptions>): RetrievalFilter {
  if (!isRecord(raw)) fail(path, `expected an object with one operator, got ${describe(raw)}`);
  const ops = Object.keys(raw);
  if (ops.length !== 1) {
    fail(path, ops.length === 0 ? 'empty object (expected exactly one operator)' : `exactly one operator per object, got ${ops.join(', ')}`);
  }
  const op = ops[0]!;
  const body = raw[op];
  const at = `${path}.${op}`;
  if (!ALL_OPS.includes(op)) fail(at, `unknown operator (expected one of ${ALL_OPS.join(', ')})`);

  if (LOGICAL_OPS.includes(op)) {
    if (depth >= opts.maxDepth) fail(at, `nested deeper than ${opts.maxDepth} levels of andAll/orAll`);
    if (!Array.isArray(body)) fail(at, `expected a list of filters, got ${describe(body)}`);
    if (body.length < 2) fail(at, `needs at least 2 filters, got ${body.length}`);
    if (body.length > opts.maxMembers) fail(at, `at most ${opts.maxMembers} filters, got ${body.length}`);
    const members = body.map((m, i) => parseNode(m, `${at}[${i}]`, depth + 1, opts));
    return op === 'andAll' ? { andAll: members } : { orAll: members };
  }

  if (!isRecord(body)) fail(at, `expected {"key", "value"}, got ${describe(body)}`);
  const key = parseKey(body, at);
  const value = body.value;
  const vpath = `${at}.value`;
  if (SCALAR_OPS.includes(op)) {
    if (!isScalar(value)) fail(vpath, `expected a string, number or boolean, got ${describe(value)}`);
    return { [op]: { key, value } } as RetrievalFilter;
  }
  if (NUMBER_OPS.includes(op)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(vpath, `expected a number, got ${describe(value)}`);
    return { [op]: { key, value } } as RetrievalFilter;
  }
  if (LIST_OPS.includes(op)) {
    if (!Array.isArray(value)) fail(vpath, `expected a list of strings, numbers or booleans, got ${describe(value)}`);
    if (value.length === 0) fail(vpath, 'expected a non-empty list');
    if (value.length > opts.maxMembers) fail(vpath, `at most ${opts.maxMembers} values, got ${value.length}`);
    value.forEach((v, i) => {
      if (!isScalar(v)) fail(`${vpath}[${i}]`, `expected a string, number or boolean, got ${describe(v)}`);
    });
    return { [op]: { key, value: [...(value as FilterScalar[])] } } as RetrievalFilter;
  }
  if (typeof value !== 'string') fail(vpath, `expected a string, got ${describe(value)}`);
  return { [op]: { key, value } } as RetrievalFilter;
}

/** Validates untrusted JSON as a RetrievalFilter; a StrataError('invalid_request') names the path of the problem. */
export function parseRetrievalFilter(raw: unknown, opts: ParseFilterOptions = {}): RetrievalFilter {
  return parseNode(raw, 'filter', 0, {
    maxDepth: opts.maxDepth ?? FILTER_LIMITS.maxDepth,
    maxMembers: opts.maxMembers ?? FILTER_LIMITS.maxMembers,
  });
}

/** The one operator of a parsed filter as a tagged node. */
export function filterNode(filter: RetrievalFilter): FilterNode {
  const op = Object.keys(filter)[0] as FilterOperator;
  const body = (filter as Record<string, unknown>)[op];
  if (op === 'andAll' || op === 'orAll') return { op, filters: body as RetrievalFilter[] };
  return { op, ...(body as FilterAttribute<never>) };
}

function scalarEquals(v: MetadataValue, x: FilterScalar): boolean {
  return !Array.isArray(v) && typeof v === typeof x && v === x;
}

/** Whether metadata satisfies a parsed filter, with the semantics described at the top of this file. */
export function matchesFilter(filter: RetrievalFilter, metadata: Readonly<Metadata>): boolean {
  const node = filterNode(filter);
  if ('filters' in node) {
    return node.op === 'andAll'
      ? node.filters.every((f) => matchesFilter(f, metadata))
      : node.filters.some((f) => matchesFilter(f, metadata));
  }
  // Own properties only: metadata keys such as "constructor" must not reach Object.prototype.
  const v = Object.prototype.hasOwnProperty.call(metadata, node.key) ? metadata[node.key] : undefined;
  if (v === undefined) return false;
  switch (node.op) {
    case 'equals':
      return scalarEquals(v, node.value);
    case 'notEquals':
      return !scalarEquals(v, node.value);
    case 'greaterThan':
      return typeof v === 'number' && v > node.value;
    case 'greaterThanOrEquals':
      return typeof v === 'number' && v >= node.value;
    case 'lessThan':
      return typeof v === 'number' && v < node.value;
    case 'lessThanOrEquals':
      return typeof v === 'number' && v <= node.value;
    case 'in':
      return node.value.some((x) => scalarEquals(v, x));
    case 'notIn':
      return !node.value.some((x) => scalarEquals(v, x));
    case 'startsWith':
      return typeof v === 'string' && v.startsWith(node.value);
    case 'stringContains':
      return typeof v === 'string' ? v.includes(node.value) : Array.isArray(v) && v.some((m) => m.includes(node.value));
    case 'listContains':
      return Array.isArray(v) && v.includes(node.value);
  }
}
