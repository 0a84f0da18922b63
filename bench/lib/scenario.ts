// What the gateway benchmarks share: the upstream simulator, Redis, and the strata.yaml with the control layer on.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canPin, pin, spawnProgramUntil, spawnUntil, stop } from './processes.js';
import { removeRedisKeys } from './redis-keys.js';

/**
 * Node options of the servers under test, as the README recommends running `strata serve` in production
 * (and `npm start` does): a young generation of 64 MB semi-spaces instead of 16 MB, so the scavenger runs a
 * quarter as often on a request path that allocates ~70 KB a request. The bare proxy gets the same options.
 */
export const SERVER_NODE_ARGS = ['--max-semi-space-size=64'];

const CONTENT = 'How much overhead does the gateway add?';
/** The request every benchmark sends when it wants cache hits: one fixed prompt (a miss only the first time). */
export const FIXED_BODY = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: CONTENT }], temperature: 0 });
/** A different prompt for every request: each one is a cache miss that goes upstream and is then stored. */
export const missBody = (n: number): string => JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: `${CONTENT} #${process.pid}-${n}-${Math.random()}` }], temperature: 0 });

/** The URL of a `--json` start line ({"url": …}), else undefined. */
export const urlLine = (line: string): string | undefined => {
  if (!line.startsWith('{"url"')) return undefined;
  return (JSON.parse(line) as { url: string }).url;
};

/** The OpenAI-protocol simulator at zero latency (pinned to `cpu` when given). */
export function startSimulator(cpu?: string): Promise<{ child: ChildProcess; value: string }> {
  return spawnUntil(['dist/cli/main.js', 'simulate', '--protocol', 'openai', '--port', '0', '--json', '--answer', 'The gateway adds little overhead.'], {}, urlLine, cpu);
}

/** Parts of the control layer that everythingOnConfig can leave out (bench/feature-cost.ts measures each one's cost). */
export interface ControlLayerParts {
  /** the route's response cache (default on) */
  cache?: boolean;
  /** the model's rpm/tpm buckets and concurrency cap (default on) */
  modelLimits?: boolean;
  /** the tenant and key rpm/tpm buckets (default on) */
  callerLimits?: boolean;
}

/**
 * strata.yaml with everything of the control layer on: route `bench` over model `up` (the simulator) with
 * retries and a response cache, rpm/tpm buckets per tenant, key and model, and a concurrency cap. Limits far
 * above what a benchmark reaches: every request goes through the buckets and the queue, none waits.
 */
export function everythingOnConfig(simUrl: string, parts: ControlLayerParts = {}): string {
  const { cache = true, modelLimits = true, callerLimits = true } = parts;
  return (
    `models:\n  up: { provider: openai, id: sim-model, endpoint: "${simUrl}/v1", pricing: { input: 3, output: 15 }${modelLimits ? ', limits: { rpm: 100000000, tpm: 100000000000, concurrency: 1000 }' : ''} }\n` +
    `routes:\n  bench: { models: [up], retry: { maxAttempts: 3, baseMs: 100, capMs: 2000 }, attemptTimeoutMs: 10000${cache ? ', cache: { ttlSeconds: 3600 }' : ''} }\n` +
    (callerLimits ? `limits:\n  tenants: { '*': { rpm: 100000000, tpm: 100000000000 } }\n  keys: { rpm: 100000000, tpm: 100000000000 }\n` : '')
  );
}

/** A TCP port nobody listens on right now (the kernel's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The Redis a benchmark's Redis scenario uses, and how to leave it as it was found. */
export interface BenchRedis {
  url: string;
  /** where it runs, for the report */
  placement: string;
  /** stops a private server; on a shared one, deletes the keys written under `prefixes` */
  release(prefixes: string[]): Promise<void>;
}

/**
 * BENCH_REDIS_URL when set (used as it is); otherwise a private redis-server that keeps nothing on disk,
 * pinned to `cpu` when given. A benchmark pins the server under test to a CPU of its own and its peers (load
 * generator, simulator) to the other: Redis is such a peer (in production it runs on another host), and left
 * to the scheduler it ran on the server's CPU much of the time, taking ~25 µs of it a request. Falls back to
 * STRATA_TEST_REDIS_URL or the local default when redis-server is not installed.
 */
export async function benchRedis(cpu?: string): Promise<BenchRedis> {
  const given = process.env.BENCH_REDIS_URL;
  const url = given ?? process.env.STRATA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const shared = (placement: string): BenchRedis => ({
    url,
    placement,
    release: async (prefixes) => {
      for (const prefix of prefixes) await removeRedisKeys(url, prefix);
    },
  });
  if (given) return shared(`BENCH_REDIS_URL, wherever it runs`);
  if (spawnSync('redis-server', ['--version']).status !== 0) return shared('redis-server not installed: the shared Redis, not pinned');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'notice'];
  const redis = await spawnProgramUntil('redis-server', args, {}, (line) => (line.includes('Ready to accept connections') ? true : undefined), cpu);
  return {
    url: `redis://127.0.0.1:${port}`,
    placement: cpu === undefined ? 'a private redis-server, not pinned' : `a private redis-server on CPU ${cpu}`,
    release: () => stop(redis.child),
  };
}

/**
 * What paired and profiling runs start before the servers under test: a temporary home, this process (the
 * load generator) pinned to CPU 0 when pinning works, the simulator beside it, Redis when asked for, and a
 * strata.yaml with everything on. The servers under test go on CPU 1 (`sut`).
 */
export async function startDriver(homePrefix: string, withRedis: boolean): Promise<{ home: string; pinned: boolean; sut: string | undefined; sim: { child: ChildProcess; value: string }; redis: BenchRedis | undefined; config: string }> {
  const home = mkdtempSync(join(tmpdir(), homePrefix));
  const pinned = canPin();
  if (pinned) pin(process.pid, '0');
  const driver = pinned ? '0' : undefined;
  const sim = await startSimulator(driver);
  const redis = withRedis ? await benchRedis(driver) : undefined;
  const config = join(home, 'strata.yaml');
  writeFileSync(config, everythingOnConfig(sim.value));
  return { home, pinned, sut: pinned ? '1' : undefined, sim, redis, config };
}
