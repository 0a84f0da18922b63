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
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pairedRounds, startPairedServer, summariseRatios, type PairedRound, type PairedServer } from './lib/paired-runner.js';
import { ROOT, stop } from './lib/processes.js';
import { FIXED_BODY, SERVER_NODE_ARGS, missBody, startDriver } from './lib/scenario.js';

const scenario = process.env.BENCH_SCENARIO ?? 'hit';
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 3000);
const before = process.env.BENCH_BEFORE ?? 'bench/.before';
if (!['hit', 'miss', 'redis'].includes(scenario)) throw new Error(`BENCH_SCENARIO must be hit, miss or redis, got ${scenario}`);

const { home, pinned, sut, sim, redis, config } = await startDriver('strata-paired-', scenario === 'redis');
const builds = { before: before, after: process.env.BENCH_AFTER ?? 'dist' };
const servers: PairedServer[] = [];
// node options per build: the benchmark's (SERVER_NODE_ARGS) unless BENCH_BEFORE_NODE_ARGS / BENCH_AFTER_NODE_ARGS
// say otherwise (an empty value: none), e.g. to compare V8 flags on one build
const nodeArgs = (name: string): string[] => (process.env[`BENCH_${name.toUpperCase()}_NODE_ARGS`]?.split(' ').filter(Boolean) ?? SERVER_NODE_ARGS);
for (const [name, build] of Object.entries(builds)) {
  const env = { STRATA_REDIS_URL: redis?.url ?? '', STRATA_REDIS_PREFIX: `strata-paired-${process.pid}-${name}:` };
  servers.push(await startPairedServer({ name, build, home, config, nodeArgs: nodeArgs(name), env, cpu: sut }));
}
let perRound: PairedRound[] = [];
try {
  perRound = await pairedRounds([servers[0]!, servers[1]!], scenario === 'hit' ? FIXED_BODY : missBody, rounds, durationMs, scenario);
} finally {
  await Promise.all([...servers.map((s) => stop(s.child)), stop(sim.child)]);
  await redis?.release(Object.keys(builds).map((name) => `strata-paired-${process.pid}-${name}:`));
  rmSync(home, { recursive: true, force: true });
}
// the first round still warms the JIT of both builds: it is reported, not summarised
const report = {
  benchmark: `paired-${scenario}`,
  date: new Date().toISOString(),
  before,
  settings: { scenario, rounds, durationMs, connectionsEach: 16, nodeArgs: { before: nodeArgs('before'), after: nodeArgs('after') }, pinned: pinned ? 'both servers on CPU 1; load generator and simulator on CPU 0' : 'not pinned', ...(redis ? { redis: redis.placement } : {}) },
  cpuPerRequestAfterOverBefore: summariseRatios(perRound),
  rounds: perRound.map((p) => ({ before: p.first, after: p.second, ratio: p.ratio })),
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', `paired-${scenario}.json`), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
