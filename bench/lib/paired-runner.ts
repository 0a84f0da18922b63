// What paired comparisons share (bench/paired.ts: two builds; bench/feature-cost.ts: two configurations of one
// build): start `strata serve` instances pinned to the same CPU, give each half of the load at the same time,
// and take the ratio of their CPU per request round by round, so that the machine's drift hits both alike.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from './load.js';
import { cpuSeconds, spawnUntil } from './processes.js';

export interface PairedServer {
  name: string;
  child: ChildProcess;
  url: string;
  /** the admin key a first start printed; absent with --no-auth */
  adminKey?: string;
}

/** One `strata serve` of `build` (a dist folder) with its own STRATA_HOME under `home`, pinned to `cpu`. */
export async function startPairedServer(opts: {
  name: string;
  build: string;
  home: string;
  config: string;
  nodeArgs: string[];
  env: NodeJS.ProcessEnv;
  serveArgs?: string[];
  cpu: string | undefined;
}): Promise<PairedServer> {
  const h = join(opts.home, opts.name);
  mkdirSync(h);
  const { child, value } = await spawnUntil(
    [...opts.nodeArgs, `${opts.build}/cli/main.js`, 'serve', '--config', opts.config, '--port', '0', '--json', ...(opts.serveArgs ?? [])],
    { STRATA_HOME: h, STRATA_DATABASE_URL: '', STRATA_LOG_LEVEL: 'info', ...opts.env },
    (line) => (line.startsWith('{"url"') ? (JSON.parse(line) as { url: string; adminKey?: string }) : undefined),
    opts.cpu,
  );
  return { name: opts.name, child, url: value.url, adminKey: value.adminKey };
}

export interface PairedRound {
  /** CPU per request of the first server, then the second (µs) */
  first: number;
  second: number;
  /** second ÷ first */
  ratio: number;
}

/**
 * Rounds of load on both servers at once (16 connections each, 800 ms of warm-up, then `durationMs` measured).
 * Prints each round to stderr under `label`.
 */
export async function pairedRounds(pair: [PairedServer, PairedServer], body: string | ((n: number) => string), rounds: number, durationMs: number, label: string): Promise<PairedRound[]> {
  const out: PairedRound[] = [];
  const load = (ms: number) =>
    Promise.all(
      pair.map((s) => runLoad({ url: s.url, path: '/v1/chat/completions', body, headers: s.adminKey ? { authorization: `Bearer ${s.adminKey}` } : {}, connections: 16, durationMs: ms })),
    );
  for (let r = 0; r < rounds; r++) {
    await load(800);
    const cpu0 = pair.map((s) => cpuSeconds(s.child.pid));
    const results = await load(durationMs);
    const us = pair.map((s, i) => ((cpuSeconds(s.child.pid) - cpu0[i]!) * 1e6) / results[i]!.requests);
    const errors = results.reduce((n, x) => n + x.errors, 0);
    out.push({ first: Math.round(us[0]!), second: Math.round(us[1]!), ratio: Math.round((us[1]! / us[0]!) * 1000) / 1000 });
    process.stderr.write(`${label} round ${r + 1}: ${pair[0].name} ${us[0]!.toFixed(0)} µs, ${pair[1].name} ${us[1]!.toFixed(0)} µs of CPU a request (${(us[1]! / us[0]!).toFixed(3)})${errors ? `, ${errors} failed requests` : ''}\n`);
  }
  return out;
}

/** Median, min and max of the ratios after the first round (which still warms the JIT of both servers). */
export function summariseRatios(rounds: PairedRound[]): { median: number; min: number; max: number } {
  const ratios = rounds.slice(1).map((p) => p.ratio).sort((a, b) => a - b);
  return { median: ratios[Math.floor(ratios.length / 2)]!, min: ratios[0]!, max: ratios[ratios.length - 1]! };
}
