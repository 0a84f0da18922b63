import { sql, type RawBuilder } from 'kysely';
import { StrataError, TENANT_PATTERN } from '../core/index.js';
import type { Store } from './database.js';

/** Tag keys as `x-strata-tags` accepts them; checked again here before a key reaches SQL. */
export const TAG_KEY_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
/** Record columns usage can be grouped by; any other name is a tag key. */
export const USAGE_DIMENSIONS = ['tenant', 'route', 'model', 'status', 'key', 'cache'] as const;
/** Group value of a record that lacks the tag (or answered with no model). */
export const NONE = '(none)';
const MAX_GROUP_BY = 6;
const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

export type Granularity = keyof typeof BUCKET_MS;

export interface UsageQuery {
  /** ts >= since (epoch ms) */
  since?: number;
  /** ts < until (epoch ms) */
  until?: number;
  /** tenant | route | model | status, or any tag key */
  by?: string[];
  granularity?: Granularity;
  /** only this tenant's records (auditors and developers see their own tenant only) */
  tenant?: string;
  /** only records carrying every one of these tags */
  tags?: Record<string, string>;
}

export interface UsageRow {
  group: Record<string, string>;
  /** ISO start of the time bucket (UTC), when a granularity was asked for */
  bucket?: string;
  requests: number;
  errors: number;
  errorRate: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  /** successful requests whose model had no known price (their cost is not in costUsd) */
  unpricedRequests: number;
  /** requests answered from the response cache (cost 0) */
  cacheHits: number;
}

/** Checks `by` names and removes duplicates; throws invalid_request naming the bad one. */
export function validateGroupBy(by: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of by) {
    if (!(USAGE_DIMENSIONS as readonly string[]).includes(name) && !TAG_KEY_PATTERN.test(name)) {
      throw new StrataError(
        'invalid_request',
        `Cannot group usage by '${name.slice(0, 40)}': use ${USAGE_DIMENSIONS.join(', ')} or a tag key (a-z, 0-9, '_', starting with a letter, at most 32).`,
      );
    }
    if (!out.includes(name)) out.push(name);
  }
  if (out.length > MAX_GROUP_BY) throw new StrataError('invalid_request', `Group usage by at most ${MAX_GROUP_BY} names at once.`);
  return out;
}

function groupExpr(store: Store, name: string): RawBuilder<string> {
  switch (name) {
    case 'tenant':
      return sql<string>`tenant`;
    case 'route':
      return sql<string>`route`;
    case 'status':
      return sql<string>`status`;
    case 'model':
      return sql<string>`coalesce(model_answered, ${sql.lit(NONE)})`;
    case 'key':
      return sql<string>`coalesce(key_id, ${sql.lit(NONE)})`;
    case 'cache':
      return sql<string>`coalesce(cache, ${sql.lit(NONE)})`;
    default:
      // name matched TAG_KEY_PATTERN in validateGroupBy, so it is safe as a literal
      return sql<string>`coalesce(${tagExpr(store, name)}, ${sql.lit(NONE)})`;
  }
}

/** A tag's value in the JSON tags column; `name` must match TAG_KEY_PATTERN (it becomes a literal). */
function tagExpr(store: Store, name: string): RawBuilder<string | null> {
  if (!TAG_KEY_PATTERN.test(name)) throw new StrataError('invalid_request', `'${name.slice(0, 40)}' is not a tag key.`);
  return store.dialect === 'postgres' ? sql<string | null>`(tags::jsonb ->> ${sql.lit(name)})` : sql<string | null>`json_extract(tags, ${sql.lit(`$.${name}`)})`;
}

interface RawUsage {
  [k: string]: unknown;
  requests: number | string;
  errors: number | string | null;
  input_tokens: number | string | null;
  output_tokens: number | string | null;
  cache_read_tokens: number | string | null;
  cache_write_tokens: number | string | null;
  cost_usd: number | string | null;
  unpriced: number | string | null;
  cache_hits: number | string | null;
}

/** Requests, errors, tokens and cost per group (and time bucket), aggregated by the database. */
export async function usageSummary(store: Store, q: UsageQuery = {}): Promise<UsageRow[]> {
  const by = validateGroupBy(q.by ?? []);
  if (q.granularity !== undefined && !(q.granularity in BUCKET_MS)) {
    throw new StrataError('invalid_request', "granularity must be 'hour' or 'day'.");
  }
  const keys: RawBuilder<unknown>[] = by.map((name, i) => sql`${groupExpr(store, name)} as ${sql.ref(`g${i}`)}`);
  if (q.granularity) {
    const size = sql.lit(BUCKET_MS[q.granularity]);
    keys.push(sql`(ts - (ts % ${size})) as bucket`);
  }
  const conditions: RawBuilder<unknown>[] = [];
  if (q.since !== undefined) conditions.push(sql`ts >= ${q.since}`);
  if (q.until !== undefined) conditions.push(sql`ts < ${q.until}`);
  if (q.tenant !== undefined) conditions.push(sql`tenant = ${q.tenant}`);
  for (const [k, v] of Object.entries(q.tags ?? {})) conditions.push(sql`${tagExpr(store, k)} = ${v}`);
  const where = conditions.length ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  // GROUP BY / ORDER BY by position: the same expression written twice would be two parameters on PostgreSQL
  const positions = keys.map((_, i) => sql.lit(i + 1));
  const groupBy = keys.length ? sql`group by ${sql.join(positions)} order by ${sql.join(positions)}` : sql``;
  const select = keys.length ? sql`${sql.join(keys)},` : sql``;
  const query = sql<RawUsage>`select ${select}
      count(*) as requests,
      sum(case when status = 'error' then 1 else 0 end) as errors,
      sum(input_tokens) as input_tokens,
      sum(output_tokens) as output_tokens,
      sum(cache_read_tokens) as cache_read_tokens,
      sum(cache_write_tokens) as cache_write_tokens,
      sum(cost_usd) as cost_usd,
      sum(case when cost_usd is null and status = 'ok' then 1 else 0 end) as unpriced,
      sum(case when cache = 'hit' then 1 else 0 end) as cache_hits
    from invocations ${where} ${groupBy}`;
  const { rows } = await query.execute(store.db);
  const out: UsageRow[] = [];
  for (const r of rows) {
    const requests = Number(r.requests);
    // an aggregate over no rows still returns one row; it is not a group
    if (requests === 0) continue;
    const group: Record<string, string> = {};
    by.forEach((name, i) => (group[name] = String(r[`g${i}`])));
    const errors = Number(r.errors ?? 0);
    const row: UsageRow = {
      group,
      requests,
      errors,
      errorRate: errors / requests,
      inputTokens: Number(r.input_tokens ?? 0),
      outputTokens: Number(r.output_tokens ?? 0),
      cacheReadTokens: Number(r.cache_read_tokens ?? 0),
      cacheWriteTokens: Number(r.cache_write_tokens ?? 0),
      costUsd: Number(r.cost_usd ?? 0),
      unpricedRequests: Number(r.unpriced ?? 0),
      cacheHits: Number(r.cache_hits ?? 0),
    };
    if (q.granularity) row.bucket = new Date(Number(r.bucket)).toISOString();
    out.push(row);
  }
  return out;
}

const RELATIVE = /^(\d{1,6})([mhdw])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * A time argument as epoch ms: an ISO date or date-time (`2026-11-01`, `2026-11-01T12:00:00Z`) or a
 * span back from now (`30m`, `24h`, `7d`, `2w`). `what` names the argument in the error.
 */
export function parseTimeArg(text: string, what: string, now: number = Date.now()): number {
  const t = text.trim();
  const rel = RELATIVE.exec(t);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return ms;
  }
  throw new StrataError('invalid_request', `${what} '${t.slice(0, 40)}' is not a time: use an ISO date such as 2026-11-01 or 2026-11-01T12:00:00Z, or a span back from now such as 30m, 24h, 7d, 2w.`);
}

/** Reads a granularity argument (hour | day), or undefined when absent. */
export function parseGranularity(text: string | undefined): Granularity | undefined {
  if (text === undefined || text === '') return undefined;
  if (text === 'hour' || text === 'day') return text;
  throw new StrataError('invalid_request', `granularity '${text.slice(0, 20)}' is not 'hour' or 'day'.`);
}

/**
 * A usage query from its text arguments (HTTP query string or CLI flags); `prefix` is how the caller spells
 * an argument's name in errors ('' for `since`, '--' for `--since`).
 */
export function parseUsageArgs(
  args: { by?: string; since?: string; until?: string; granularity?: string; tenant?: string },
  prefix: string,
  now: number = Date.now(),
): UsageQuery & { by: string[] } {
  const by = (args.by ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const since = args.since ? parseTimeArg(args.since, `${prefix}since`, now) : undefined;
  const until = args.until ? parseTimeArg(args.until, `${prefix}until`, now) : undefined;
  if (since !== undefined && until !== undefined && since >= until) {
    throw new StrataError('invalid_request', `${prefix}since must be earlier than ${prefix}until.`);
  }
  const tenant = args.tenant === undefined || args.tenant === '' ? undefined : args.tenant;
  if (tenant !== undefined && !TENANT_PATTERN.test(tenant)) {
    throw new StrataError('invalid_request', `${prefix}tenant '${tenant.slice(0, 40)}' is not a tenant name (lowercase letters, digits, '.', '_', '-').`);
  }
  return { by, since, until, granularity: parseGranularity(args.granularity), tenant };
}

/** The query as reported next to its results: times as ISO strings, absent ones as null. */
export function describeUsageQuery(q: UsageQuery & { by: string[] }) {
  return {
    by: q.by,
    since: q.since === undefined ? null : new Date(q.since).toISOString(),
    until: q.until === undefined ? null : new Date(q.until).toISOString(),
    granularity: q.granularity ?? null,
    tenant: q.tenant ?? null,
  };
}
