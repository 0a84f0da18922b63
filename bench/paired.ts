// Paired comparison of two builds of `strata serve`: both serve at the same time, pinned to the same CPU, each
// with half the load, and the ratio of their CPU per request is taken round by round. On this VM the speed
// of the machine moves by 10–25% between runs; a change of a few percent only shows when both builds live
// through the same noise. Prints JSON and writes bench/results/paired-<scenario>.json.
//
//   git stash && npx tsc -p tsconfig.build.json --outDir bench/.before && git stash pop && npm run build
//   BENCH_SCENARIO=hit|miss|redis node --import tsx bench/paired.ts
//
// The build compared against lives inside the repository (default bench/.before, ignored by git) so that
// its imports find node_modules.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from './lib/load.js';
import { ROOT, cpuSeconds, spawnUntil, stop } from './lib/processes.js';
import { SERVER_NODE_ARGS, startDriver } from './lib/scenario.js';

const scenario = process.env.BENCH_SCENARIO ?? 'hit';
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 3000);
const before = process.env.BENCH_BEFORE ?? 'bench/.before';
if (!['hit', 'miss', 'redis'].includes(scenario)) throw new Error(`BENCH_SCENARIO must be hit, miss or redis, got ${scenario}`);

const { home, pinned, sut, sim, redis, config } = await startDriver('strata-paired-', scenario === 'redis');
const builds = { before: before, after: process.env.BENCH_AFTER ?? 'dist' };
const servers: { name: string; server: { child: ChildProcess; value: { url: string; adminKey: string } } }[] = [];
// node options per build: the benchmark's (SERVER_NODE_ARGS) unless BENCH_BEFORE_NODE_ARGS / BENCH_AFTER_NODE_ARGS
// say otherwise (an empty value: none), e.g. to compare V8 flags on one build
const nodeArgs = (name: string): string[] => (process.env[`BENCH_${name.toUpperCase()}_NODE_ARGS`]?.split(' ').filter(Boolean) ?? SERVER_NODE_ARGS);
for (const [name, dir] of Object.entries(builds)) {
  const h = join(home, name);
  mkdirSync(h);
  const server = await spawnUntil(
    [...nodeArgs(name), `${dir}/cli/main.js`, 'serve', '--config', config, '--port', '0', '--json'],
    { STRATA_HOME: h, STRATA_DATABASE_URL: '', STRATA_LOG_LEVEL: 'info', STRATA_REDIS_URL: redis?.url ?? '', STRATA_REDIS_PREFIX: `strata-paired-${process.pid}-${name}:` },
    (line) => (line.startsWith('{"url"') ? (JSON.parse(line) as { url: string; adminKey: string }) : undefined),
    sut,
  );
  servers.push({ name, server });
}
const content = 'How much overhead does the gateway add?';
const body =
  scenario === 'hit'
    ? JSON.stringify({ model: 'bench', messages: [{ role: 'user', content }], temperature: 0 })
    : (n: number) => JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: `${content} #${process.pid}-${n}-${Math.random()}` }], temperature: 0 });
const perRound: { before: number; after: number; ratio: number }[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    const load = (ms: number) =>
      Promise.all(servers.map(({ server }) => runLoad({ url: server.value.url, path: '/v1/chat/completions', body, headers: { authorization: `Bearer ${server.value.adminKey}` }, connections: 16, durationMs: ms })));
    await load(800);
    const cpu0 = servers.map(({ server }) => cpuSeconds(server.child.pid));
    const results = await load(durationMs);
    const us = servers.map(({ server }, i) => ((cpuSeconds(server.child.pid) - cpu0[i]!) * 1e6) / results[i]!.requests);
    perRound.push({ before: Math.round(us[0]!), after: Math.round(us[1]!), ratio: Math.round((us[1]! / us[0]!) * 1000) / 1000 });
    process.stderr.write(`round ${r + 1}: before ${us[0]!.toFixed(0)} µs, after ${us[1]!.toFixed(0)} µs of CPU a request (${(us[1]! / us[0]!).toFixed(3)})\n`);
  }
} finally {
  await Promise.all([...servers.map(({ server }) => stop(server.child)), stop(sim.child)]);
  await redis?.release(Object.keys(builds).map((name) => `strata-paired-${process.pid}-${name}:`));
  rmSync(home, { recursive: true, force: true });
}
// the first round still warms the JIT of both builds: it is reported, not summarised
const ratios = perRound.slice(1).map((p) => p.ratio).sort((a, b) => a - b);
const report = {
  benchmark: `paired-${scenario}`,
  date: new Date().toISOString(),
  before,
  settings: { scenario, rounds, durationMs, connectionsEach: 16, nodeArgs: { before: nodeArgs('before'), after: nodeArgs('after') }, pinned: pinned ? 'both servers on CPU 1; load generator and simulator on CPU 0' : 'not pinned', ...(redis ? { redis: redis.placement } : {}) },
  cpuPerRequestAfterOverBefore: { median: ratios[Math.floor(ratios.length / 2)], min: ratios[0], max: ratios[ratios.length - 1] },
  rounds: perRound,
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', `paired-${scenario}.json`), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
