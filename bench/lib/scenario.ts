// What the gateway benchmarks share: the upstream simulator and the strata.yaml with the control layer on.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { spawnProgramUntil, spawnUntil, stop } from './processes.js';

/** The URL of a `--json` start line ({"url": …}), else undefined. */
export const urlLine = (line: string): string | undefined => {
  if (!line.startsWith('{"url"')) return undefined;
  return (JSON.parse(line) as { url: string }).url;
};

/** The OpenAI-protocol simulator at zero latency (pinned to `cpu` when given). */
export function startSimulator(cpu?: string): Promise<{ child: ChildProcess; value: string }> {
  return spawnUntil(['dist/cli/main.js', 'simulate', '--protocol', 'openai', '--port', '0', '--json', '--answer', 'The gateway adds little overhead.'], {}, urlLine, cpu);
}

/**
 * strata.yaml with everything of the control layer on: route `bench` over model `up` (the simulator) with
 * retries and a response cache, rpm/tpm buckets per tenant, key and model, and a concurrency cap. Limits far
 * above what a benchmark reaches: every request goes through the buckets and the queue, none waits.
 */
export function everythingOnConfig(simUrl: string): string {
  return (
    `models:\n  up: { provider: openai, id: sim-model, endpoint: "${simUrl}/v1", pricing: { input: 3, output: 15 }, limits: { rpm: 100000000, tpm: 100000000000, concurrency: 1000 } }\n` +
    `routes:\n  bench: { models: [up], retry: { maxAttempts: 3, baseMs: 100, capMs: 2000 }, attemptTimeoutMs: 10000, cache: { ttlSeconds: 3600 } }\n` +
    `limits:\n  tenants: { '*': { rpm: 100000000, tpm: 100000000000 } }\n  keys: { rpm: 100000000, tpm: 100000000000 }\n`
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

/**
 * The Redis a benchmark's Redis scenario uses. BENCH_REDIS_URL when set (used as it is); otherwise a
 * private redis-server that keeps nothing on disk, pinned to `cpu` when given. A benchmark pins the
 * server under test to a CPU of its own and its peers (load generator, simulator) to the other: Redis is
 * such a peer (in production it runs on another host), and left to the scheduler it ran on the server's
 * CPU much of the time, taking ~25 µs of it a request. Falls back to STRATA_TEST_REDIS_URL or the local
 * default when redis-server is not installed. `owned` says whether stop() has anything to stop.
 */
export async function benchRedis(cpu?: string): Promise<{ url: string; owned: boolean; placement: string; stop: () => Promise<void> }> {
  const given = process.env.BENCH_REDIS_URL;
  const fallback = given ?? process.env.STRATA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const shared = (placement: string) => ({ url: fallback, owned: false, placement, stop: () => Promise.resolve() });
  if (given) return shared(`BENCH_REDIS_URL, wherever it runs`);
  if (spawnSync('redis-server', ['--version']).status !== 0) return shared('redis-server not installed: the shared Redis, not pinned');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'notice'];
  const redis = await spawnProgramUntil('redis-server', args, {}, (line) => (line.includes('Ready to accept connections') ? true : undefined), cpu);
  return {
    url: `redis://127.0.0.1:${port}`,
    owned: true,
    placement: cpu === undefined ? 'a private redis-server, not pinned' : `a private redis-server on CPU ${cpu}`,
    stop: () => stop(redis.child),
  };
}
