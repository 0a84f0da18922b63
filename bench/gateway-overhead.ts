// Gateway overhead: the full pipeline (route resolution, retry ∘ breaker ∘ fallback, hashing, metrics,
// batched invocation records to SQLite, one JSON log line per request) against a bare node:http keep-alive
// proxy, both in front of the OpenAI-protocol simulator at zero latency. Every server runs in its own process;
// the load generator runs here. Prints JSON and writes bench/results/gateway-overhead.json.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, type LoadResult } from './lib/load.js';
import { ROOT, spawnUntil, stop } from './lib/processes.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 8000);
const SERIAL_REQUESTS = Number(process.env.BENCH_SERIAL_REQUESTS ?? 3000);
const CONNECTIONS = 32;

const urlLine = (line: string): string | undefined => {
  if (!line.startsWith('{"url"')) return undefined;
  return (JSON.parse(line) as { url: string }).url;
};

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'strata-bench-'));
  const tsx = ['--import', 'tsx'];
  const sim = await spawnUntil([...tsx, 'src/cli/main.ts', 'simulate', '--protocol', 'openai', '--port', '0', '--json', '--answer', 'The gateway adds little overhead.'], {}, urlLine);
  const config = join(home, 'strata.yaml');
  writeFileSync(
    config,
    `models:\n  up: { provider: openai, id: sim-model, endpoint: "${sim.value}/v1" }\nroutes:\n  bench: { models: [up], retry: { maxAttempts: 3, baseMs: 100, capMs: 2000 }, attemptTimeoutMs: 10000 }\n`,
  );
  const strata = await spawnUntil([...tsx, 'src/cli/main.ts', 'serve', '--config', config, '--port', '0', '--json'], { STRATA_HOME: home, STRATA_DATABASE_URL: '', STRATA_LOG_LEVEL: 'info' }, urlLine);
  const proxy = await spawnUntil([...tsx, 'bench/lib/bare-proxy.ts', sim.value], {}, urlLine);

  const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'How much overhead does the gateway add?' }], temperature: 0 });
  const targets = { simulator: sim.value, bareProxy: proxy.value, strata: strata.value };
  const results: Record<string, { throughput: LoadResult; serial: LoadResult }> = {};
  try {
    for (const [name, url] of Object.entries(targets)) {
      // warm up connections, JIT and the SQLite writer
      await runLoad({ url, path: '/v1/chat/completions', body, connections: CONNECTIONS, durationMs: 1500 });
      const throughput = await runLoad({ url, path: '/v1/chat/completions', body, connections: CONNECTIONS, durationMs: DURATION_MS });
      const serial = await runLoad({ url, path: '/v1/chat/completions', body, connections: 1, requests: SERIAL_REQUESTS });
      results[name] = { throughput, serial };
      process.stderr.write(`${name}: ${throughput.rps} req/s at ${CONNECTIONS} connections, p50 ${serial.p50Ms} ms at concurrency 1\n`);
    }
  } finally {
    await Promise.all([stop(strata.child), stop(proxy.child), stop(sim.child)]);
    rmSync(home, { recursive: true, force: true });
  }
  const s = results.strata!;
  const p = results.bareProxy!;
  const d = results.simulator!;
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  const report = {
    benchmark: 'gateway-overhead',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    settings: { connections: CONNECTIONS, durationMs: DURATION_MS, serialRequests: SERIAL_REQUESTS, upstream: 'openai-protocol simulator, zero latency' },
    results,
    summary: {
      strataRps: s.throughput.rps,
      bareProxyRps: p.throughput.rps,
      throughputVsBareProxy: round(s.throughput.rps / p.throughput.rps),
      strataP50Ms32: s.throughput.p50Ms,
      strataP99Ms32: s.throughput.p99Ms,
      addedP50MsConcurrency1: round(s.serial.p50Ms - d.serial.p50Ms),
      bareProxyAddedP50MsConcurrency1: round(p.serial.p50Ms - d.serial.p50Ms),
      strataAddedOverBareProxyP50Ms: round(s.serial.p50Ms - p.serial.p50Ms),
      targets: { throughputVsBareProxy: '>= 0.5', addedP50MsConcurrency1: '< 0.3' },
    },
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'gateway-overhead.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
