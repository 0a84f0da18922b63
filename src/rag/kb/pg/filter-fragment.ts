import { sql, type RawBuilder } from 'kysely';
import { compileFilterSql, type RetrievalFilter } from '../../retrieve/index.js';

const PLACEHOLDER = /\$(\d+)/g;

/**
 * A RetrievalFilter as a Kysely SQL fragment (`true` when there is none), so it can sit inside any `sql`
 * template. compileFilterSql numbers its parameters $1…$n; each placeholder becomes a bound value of the
 * fragment, so Kysely renumbers them in the enclosing query and nothing is spliced in as text.
 */
export function filterFragment(filter: RetrievalFilter | undefined, metadataColumn: string): RawBuilder<boolean> {
  if (filter === undefined) return sql<boolean>`true`;
  const compiled = compileFilterSql(filter, 'postgres', metadataColumn);
  const parts: RawBuilder<unknown>[] = [];
  let last = 0;
  for (const m of compiled.sql.matchAll(PLACEHOLDER)) {
    parts.push(sql.raw(compiled.sql.slice(last, m.index)));
    parts.push(sql.val(compiled.params[Number(m[1]) - 1]));
    last = m.index + m[0].length;
  }
  parts.push(sql.raw(compiled.sql.slice(last)));
  return sql<boolean>`(${sql.join(parts, sql.raw(''))})`;
}
