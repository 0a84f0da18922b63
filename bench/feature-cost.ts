// What each part of the control layer costs on the cache-miss path: one build of `strata serve` with everything
// on (the gateway-overhead configuration) serves side by side with a second one that leaves one part out, both
// pinned to the same CPU with half the load each (bench/lib/paired-runner.ts), and the ratio of their CPU per
// request is taken round by round. Measured this way because the machine's speed drifts by 10–25% between runs,
// far more than most parts cost. An "everything on" variant (the reference against itself) shows the noise.
// BENCH_SCENARIO=redis (default: limits and cache on Redis) or miss (in-process); BENCH_ROUNDS per variant
// (default 6, the first is warm-up and not summarised); BENCH_VARIANTS=a,b to run some. Prints JSON and writes
// bench/results/feature-cost-<scenario>.json.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pairedRounds, startPairedServer, summariseRatios, type PairedRound } from './lib/paired-runner.js';
import { ROOT, stop } from './lib/processes.js';
import { SERVER_NODE_ARGS, everythingOnConfig, missBody, startDriver, type ControlLayerParts } from './lib/scenario.js';

const scenario = process.env.BENCH_SCENARIO ?? 'redis';
if (!['miss', 'redis'].includes(scenario)) throw new Error(`BENCH_SCENARIO must be miss or redis, got ${scenario}`);
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 3000);

interface Variant {
  /** what the variant leaves out, for the report */
  without: string;
  parts?: ControlLayerParts;
  serveArgs?: string[];
  env?: NodeJS.ProcessEnv;
}
const VARIANTS: Record<string, Variant> = {
  'everything-on': { without: 'nothing (the reference against itself: the noise of the method)' },
  'no-api-keys': { without: 'API-key auth (strata serve --no-auth)', serveArgs: ['--no-auth'] },
  'no-caller-limits': { without: 'tenant and key rpm/tpm buckets', parts: { callerLimits: false } },
  'no-model-limits': { without: "the model's rpm/tpm buckets and concurrency cap", parts: { modelLimits: false } },
  'no-response-cache': { without: 'the response cache (lookup and store)', parts: { cache: false } },
  'no-log-line': { without: 'the JSON log line per request (STRATA_LOG_LEVEL=warn)', env: { STRATA_LOG_LEVEL: 'warn' } },
};
const chosen = process.env.BENCH_VARIANTS?.split(',').filter(Boolean) ?? Object.keys(VARIANTS);
for (const name of chosen) if (!VARIANTS[name]) throw new Error(`unknown variant '${name}'; known: ${Object.keys(VARIANTS).join(', ')}`);

const { home, pinned, sut, sim, redis, config } = await startDriver('strata-feature-cost-', scenario === 'redis');
const results: Record<string, { without: string; variantOverEverythingOn: { median: number; min: number; max: number }; rounds: PairedRound[] }> = {};
const prefixes: string[] = [];
try {
  for (const name of chosen) {
    const v = VARIANTS[name]!;
    const variantConfig = join(home, `${name}.yaml`);
    writeFileSync(variantConfig, everythingOnConfig(sim.value, v.parts));
    const start = (which: string, cfg: string, serveArgs: string[] | undefined, env: NodeJS.ProcessEnv | undefined) => {
      const prefix = `strata-feature-cost-${process.pid}-${name}-${which}:`;
      prefixes.push(prefix);
      return startPairedServer({ name: which, build: 'dist', home: join(home, name), config: cfg, nodeArgs: SERVER_NODE_ARGS, serveArgs, env: { STRATA_REDIS_URL: redis?.url ?? '', STRATA_REDIS_PREFIX: prefix, ...env }, cpu: sut });
    };
    mkdirSync(join(home, name));
    const reference = await start('reference', config, undefined, undefined);
    const variant = await start(name, variantConfig, v.serveArgs, v.env).catch(async (e: unknown) => {
      await stop(reference.child);
      throw e;
    });
    try {
      const perRound = await pairedRounds([reference, variant], missBody, rounds, durationMs, name);
      results[name] = { without: v.without, variantOverEverythingOn: summariseRatios(perRound), rounds: perRound };
    } finally {
      await Promise.all([stop(reference.child), stop(variant.child)]);
    }
  }
} finally {
  await stop(sim.child);
  await redis?.release(prefixes);
  rmSync(home, { recursive: true, force: true });
}
const report = {
  benchmark: `feature-cost-${scenario}`,
  date: new Date().toISOString(),
  settings: {
    scenario: scenario === 'redis' ? 'every request a cache miss; limits and cache on Redis' : 'every request a cache miss; limits and cache in-process',
    rounds,
    durationMs,
    connectionsEach: 16,
    nodeArgs: SERVER_NODE_ARGS,
    pinned: pinned ? 'both servers on CPU 1; load generator and simulator on CPU 0' : 'not pinned',
    ...(redis ? { redis: redis.placement } : {}),
    reading: "variantOverEverythingOn is the variant's CPU per request over the everything-on server's: 0.9 means the part left out costs ~10% of a request",
  },
  variants: results,
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', `feature-cost-${scenario}.json`), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
