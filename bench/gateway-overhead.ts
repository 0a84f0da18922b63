// Gateway overhead: the full pipeline (route resolution, retry ∘ breaker ∘ fallback, hashing, metrics,
// batched invocation records to SQLite, one JSON log line per request) against a bare node:http keep-alive
// proxy, both in front of the OpenAI-protocol simulator at zero latency. Every server runs in its own process;
// the load generator runs here. Prints JSON and writes bench/results/gateway-overhead.json.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { runLoad, type LoadResult } from './lib/load.js';
import { ROOT, canPin, pin, spawnUntil, stop } from './lib/processes.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 8000);
const SERIAL_REQUESTS = Number(process.env.BENCH_SERIAL_REQUESTS ?? 3000);
const CONNECTIONS = 32;
// Interleaved rounds: a noisy neighbour slows one round of every target, not one target; the summary takes medians.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
  } catch {
    return NaN;
  }
}

const urlLine = (line: string): string | undefined => {
  if (!line.startsWith('{"url"')) return undefined;
  return (JSON.parse(line) as { url: string }).url;
};

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'strata-bench-'));
  // On a 2-core machine the server under test gets CPU 1 to itself; the load generator (this process) and
  // the upstream simulator share CPU 0. Otherwise the three compete and the numbers mostly measure the scheduler.
  const pinned = process.env.BENCH_NO_PIN !== '1' && canPin();
  const SUT = pinned ? '1' : undefined;
  const DRIVER = pinned ? '0' : undefined;
  if (pinned) pin(process.pid, '0');
  const tsx = ['--import', 'tsx'];
  const sim = await spawnUntil(['dist/cli/main.js', 'simulate', '--protocol', 'openai', '--port', '0', '--json', '--answer', 'The gateway adds little overhead.'], {}, urlLine, DRIVER);
  const config = join(home, 'strata.yaml');
  writeFileSync(
    config,
    `models:\n  up: { provider: openai, id: sim-model, endpoint: "${sim.value}/v1" }\nroutes:\n  bench: { models: [up], retry: { maxAttempts: 3, baseMs: 100, capMs: 2000 }, attemptTimeoutMs: 10000 }\n`,
  );
  const strata = await spawnUntil(['dist/cli/main.js', 'serve', '--config', config, '--port', '0', '--json'], { STRATA_HOME: home, STRATA_DATABASE_URL: '', STRATA_LOG_LEVEL: 'info' }, urlLine, SUT);
  const proxy = await spawnUntil([...tsx, 'bench/lib/bare-proxy.ts', sim.value], {}, urlLine, SUT);

  const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'How much overhead does the gateway add?' }], temperature: 0 });
  const targets = { simulator: sim.value, bareProxy: proxy.value, strata: strata.value };
  interface Measurement {
    throughput: LoadResult;
    serial: LoadResult;
    cpuMsPerRequest: { server: number; simulator: number };
  }
  const results: Record<string, Measurement[]> = { simulator: [], bareProxy: [], strata: [] };
  const pids: Record<string, number | undefined> = { simulator: sim.child.pid, bareProxy: proxy.child.pid, strata: strata.child.pid };
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      for (const [name, url] of Object.entries(targets)) {
        // warm up connections, JIT and the SQLite writer
        await runLoad({ url, path: '/v1/chat/completions', body, connections: CONNECTIONS, durationMs: 1500 });
        const cpu0 = { server: cpuSeconds(pids[name]), sim: cpuSeconds(pids.simulator) };
        const throughput = await runLoad({ url, path: '/v1/chat/completions', body, connections: CONNECTIONS, durationMs: DURATION_MS });
        const perReq = (before: number, pid: number | undefined): number => Math.round(((cpuSeconds(pid) - before) * 1e6) / throughput.requests) / 1000;
        const cpuMsPerRequest = { server: perReq(cpu0.server, pids[name]), simulator: perReq(cpu0.sim, pids.simulator) };
        const serial = await runLoad({ url, path: '/v1/chat/completions', body, connections: 1, requests: SERIAL_REQUESTS });
        results[name]!.push({ throughput, serial, cpuMsPerRequest });
        process.stderr.write(`round ${r} ${name}: ${throughput.rps} req/s at ${CONNECTIONS} connections, p50 ${serial.p50Ms} ms at concurrency 1\n`);
      }
    }
  } finally {
    await Promise.all([stop(strata.child), stop(proxy.child), stop(sim.child)]);
    rmSync(home, { recursive: true, force: true });
  }
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  const median = (xs: number[]): number => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const perRound = (f: (i: number) => number): { median: number; min: number; max: number; rounds: number[] } => {
    const xs = Array.from({ length: ROUNDS }, (_, i) => round(f(i)));
    return { median: round(median(xs)), min: Math.min(...xs), max: Math.max(...xs), rounds: xs };
  };
  const S = results.strata!;
  const P = results.bareProxy!;
  const D = results.simulator!;
  const report = {
    benchmark: 'gateway-overhead',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    settings: {
      pinned: pinned ? 'server under test on CPU 1; load generator and simulator on CPU 0' : 'not pinned',
      rounds: ROUNDS,
      connections: CONNECTIONS,
      durationMs: DURATION_MS,
      serialRequests: SERIAL_REQUESTS,
      upstream: 'openai-protocol simulator, zero latency',
      pipeline: 'route resolution, retry/breaker/fallback, HMAC prompt and output hashes, metrics, one JSON log line and one SQLite record per request',
    },
    summary: {
      throughputVsBareProxy: perRound((i) => S[i]!.throughput.rps / P[i]!.throughput.rps),
      strataRps: perRound((i) => S[i]!.throughput.rps),
      bareProxyRps: perRound((i) => P[i]!.throughput.rps),
      strataP50Ms32: perRound((i) => S[i]!.throughput.p50Ms),
      strataP99Ms32: perRound((i) => S[i]!.throughput.p99Ms),
      addedP50MsConcurrency1: perRound((i) => S[i]!.serial.p50Ms - D[i]!.serial.p50Ms),
      bareProxyAddedP50MsConcurrency1: perRound((i) => P[i]!.serial.p50Ms - D[i]!.serial.p50Ms),
      strataCpuMsPerRequest: perRound((i) => S[i]!.cpuMsPerRequest.server),
      bareProxyCpuMsPerRequest: perRound((i) => P[i]!.cpuMsPerRequest.server),
      targets: { throughputVsBareProxy: '>= 0.5', addedP50MsConcurrency1: '< 0.3' },
    },
    results,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'gateway-overhead.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
