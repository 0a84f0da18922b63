// CPU profile of `strata serve` under load (the gateway-overhead setup, one scenario at a time), to find
// where the time goes. BENCH_SCENARIO=miss|hit|redis|hit-after-miss (cache filled by 20 s of misses first); writes the .cpuprofile to bench/results/profiles/ and
// prints the top functions by self time.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from './lib/load.js';
import { ROOT, spawnUntil, stop } from './lib/processes.js';
import { FIXED_BODY, SERVER_NODE_ARGS, missBody, startDriver } from './lib/scenario.js';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

const scenario = process.env.BENCH_SCENARIO ?? 'miss';
const { home, sut, sim, redis, config } = await startDriver('strata-prof-', scenario === 'redis');
const profDir = join(home, 'prof');
const strata = await spawnUntil(
  [...SERVER_NODE_ARGS, '--cpu-prof', '--cpu-prof-dir', profDir, 'dist/cli/main.js', 'serve', '--config', config, '--port', '0', '--json'],
  { STRATA_HOME: home, STRATA_DATABASE_URL: '', STRATA_REDIS_URL: redis?.url ?? '', STRATA_REDIS_PREFIX: `prof-${process.pid}:` },
  (line) => (line.startsWith('{"url"') ? (JSON.parse(line) as { url: string; adminKey: string }) : undefined),
  sut,
);
const body = scenario === 'hit' || scenario === 'hit-after-miss' ? FIXED_BODY : missBody;
const headers = { authorization: `Bearer ${strata.value.adminKey}` };
if (scenario === 'hit-after-miss') await runLoad({ url: strata.value.url, path: '/v1/chat/completions', body: missBody, headers, connections: 32, durationMs: 20_000 });
await runLoad({ url: strata.value.url, path: '/v1/chat/completions', body, headers, connections: 32, durationMs: 1500 });
const r = await runLoad({ url: strata.value.url, path: '/v1/chat/completions', body, headers, connections: 32, durationMs: 8000 });
await stop(strata.child);
await stop(sim.child);
await redis?.release([`prof-${process.pid}:`]);
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as { nodes: Node[]; samples: number[] };
const self = new Map<string, number>();
let total = 0;
for (const n of profile.nodes) {
  const where = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
  const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + n.hitCount);
  total += n.hitCount;
}
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 45));
const outDir = join(ROOT, 'bench', 'results', 'profiles');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `gateway-${scenario}.cpuprofile`), JSON.stringify(profile));
process.stdout.write(`${scenario}: ${r.rps} req/s, ${r.errors} errors\n`);
for (const [k, v] of top) process.stdout.write(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}\n`);
rmSync(home, { recursive: true, force: true });
