// What the gateway benchmarks share: the upstream simulator and the strata.yaml with the control layer on.
import type { ChildProcess } from 'node:child_process';
import { spawnUntil } from './processes.js';

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
