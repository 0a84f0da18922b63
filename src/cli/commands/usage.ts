import type { Command } from 'commander';
import { describeUsageQuery, openStore, parseUsageArgs, usageSummary, type UsageRow } from '../../store/index.js';

interface UsageFlags {
  by?: string;
  since?: string;
  until?: string;
  granularity?: string;
  tenant?: string;
  json?: boolean;
}

/** Adds `strata usage`: cost, tokens, requests and error rate from the store (no server needed). */
export function registerUsageCommand(program: Command): void {
  program
    .command('usage')
    .description('Cost, tokens, requests and error rate from the invocation records, grouped by fields or tags')
    .option('--by <names>', 'comma-separated: tenant, route, model, status, key, cache or any tag key (e.g. tenant,feature)')
    .option('--since <time>', 'ISO date/time, or a span back from now: 30m, 24h, 7d, 2w')
    .option('--until <time>', 'ISO date/time, or a span back from now')
    .option('--granularity <unit>', 'hour or day: one row per group and time bucket (UTC)')
    .option('--tenant <name>', "only this tenant's records")
    .option('--json', 'print JSON')
    .action(async (flags: UsageFlags) => {
      const query = parseUsageArgs(flags, '--');
      const store = await openStore({ databaseUrl: process.env.STRATA_DATABASE_URL || undefined, home: process.env.STRATA_HOME || undefined });
      let rows: UsageRow[];
      try {
        rows = await usageSummary(store, query);
      } finally {
        await store.close();
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...describeUsageQuery(query), data: rows })}\n`);
        return;
      }
      process.stdout.write(formatTable(rows, query.by, query.granularity !== undefined));
    });
}

function formatUsd(v: number): string {
  return v === 0 ? '$0' : v < 0.01 ? `$${v.toFixed(6)}` : `$${v.toFixed(4)}`;
}

/** A plain aligned table; unpriced requests are called out so a partial cost is never taken as total. */
export function formatTable(rows: UsageRow[], by: string[], withBucket: boolean): string {
  if (rows.length === 0) return 'No invocations in this period.\n';
  const header = [...(withBucket ? ['bucket'] : []), ...by, 'requests', 'errors', 'error%', 'input', 'output', 'cache_read', 'cache_write', 'cost_usd', 'unpriced', 'cache_hits'];
  const body = rows.map((r) => [
    ...(withBucket ? [r.bucket ?? ''] : []),
    ...by.map((b) => r.group[b] ?? ''),
    String(r.requests),
    String(r.errors),
    (r.errorRate * 100).toFixed(1),
    String(r.inputTokens),
    String(r.outputTokens),
    String(r.cacheReadTokens),
    String(r.cacheWriteTokens),
    formatUsd(r.costUsd),
    String(r.unpricedRequests),
    String(r.cacheHits),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const numericFrom = (withBucket ? 1 : 0) + by.length;
  const line = (cells: string[]): string => cells.map((c, i) => (i >= numericFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const lines = [line(header), ...body.map(line)];
  const unpriced = rows.reduce((n, r) => n + r.unpricedRequests, 0);
  if (unpriced > 0) lines.push(`${unpriced} request(s) used models with no known price: their cost is not included (set pricing: in strata.yaml).`);
  return `${lines.join('\n')}\n`;
}
