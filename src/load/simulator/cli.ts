import type { Command } from 'commander';
import { StrataError } from '../../core/index.js';
import { startSimulator } from './start.js';
import { parseFailSpec, type SimulatorSettings } from './settings.js';

interface SimulateFlags {
  protocol: string;
  port: string;
  host: string;
  latencyMs?: string;
  jitterMs?: string;
  latencyDist?: string;
  rpm?: string;
  tpm?: string;
  fail?: string;
  onlyModels?: string;
  answer?: string;
  chunkTokens?: string;
  chunkDelayMs?: string;
  rerankPageSize?: string;
  json?: boolean;
}

function num(flag: string, v: string | undefined, opts: { int?: boolean; min: number }): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < opts.min || (opts.int === true && !Number.isInteger(n))) {
    throw new StrataError('invalid_request', `--${flag} must be ${opts.int === true ? 'an integer' : 'a number'} of at least ${opts.min}, got "${v}".`);
  }
  return n;
}

/** Turns CLI flags into simulator options; throws StrataError('invalid_request') naming the bad flag. */
export function simulateOptionsFromFlags(f: SimulateFlags): {
  protocol: 'bedrock' | 'openai';
  host: string;
  port: number;
  settings: Partial<SimulatorSettings>;
} {
  if (f.protocol !== 'bedrock' && f.protocol !== 'openai') {
    throw new StrataError('invalid_request', `--protocol must be bedrock or openai, got "${f.protocol}".`);
  }
  const port = num('port', f.port, { int: true, min: 0 })!;
  if (port > 65535) throw new StrataError('invalid_request', `--port must be at most 65535, got ${port}.`);
  const settings: Partial<SimulatorSettings> = {};
  const latencyMs = num('latency-ms', f.latencyMs, { min: 0 });
  if (latencyMs !== undefined) settings.latencyMs = latencyMs;
  const jitterMs = num('jitter-ms', f.jitterMs, { min: 0 });
  if (jitterMs !== undefined) settings.jitterMs = jitterMs;
  if (f.latencyDist !== undefined) {
    if (f.latencyDist !== 'fixed' && f.latencyDist !== 'normal' && f.latencyDist !== 'longtail') {
      throw new StrataError('invalid_request', `--latency-dist must be fixed, normal or longtail, got "${f.latencyDist}".`);
    }
    settings.latencyDistribution = f.latencyDist;
  }
  const rpm = num('rpm', f.rpm, { int: true, min: 1 });
  if (rpm !== undefined) settings.rpm = rpm;
  const tpm = num('tpm', f.tpm, { int: true, min: 1 });
  if (tpm !== undefined) settings.tpm = tpm;
  if (f.fail !== undefined) settings.fail = parseFailSpec(f.fail);
  if (f.onlyModels !== undefined) {
    const ids = f.onlyModels.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (ids.length === 0) throw new StrataError('invalid_request', '--only-models needs at least one model id.');
    settings.onlyModels = ids;
  }
  if (f.answer !== undefined) settings.answer = f.answer === 'echo' ? { mode: 'echo' } : { mode: 'canned', text: f.answer };
  const chunkTokens = num('chunk-tokens', f.chunkTokens, { int: true, min: 1 });
  if (chunkTokens !== undefined) settings.streamChunkTokens = chunkTokens;
  const chunkDelay = num('chunk-delay-ms', f.chunkDelayMs, { min: 0 });
  if (chunkDelay !== undefined) settings.streamChunkDelayMs = chunkDelay;
  const pageSize = num('rerank-page-size', f.rerankPageSize, { int: true, min: 1 });
  if (pageSize !== undefined && pageSize > 1000) throw new StrataError('invalid_request', `--rerank-page-size must be at most 1000, got ${pageSize}.`);
  if (pageSize !== undefined) settings.rerankPageSize = pageSize;
  return { protocol: f.protocol, host: f.host, port, settings };
}

/** Adds `strata simulate`: an upstream simulator that runs until SIGINT/SIGTERM. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Run an upstream model simulator (Bedrock Runtime or OpenAI wire protocol) for tests and load runs')
    .requiredOption('--protocol <protocol>', 'wire protocol: bedrock | openai')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8790')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--latency-ms <ms>', 'mean added latency before answering')
    .option('--jitter-ms <ms>', 'latency spread')
    .option('--latency-dist <dist>', 'fixed | normal | longtail')
    .option('--rpm <n>', 'requests per minute quota per model id')
    .option('--tpm <n>', 'tokens per minute quota per model id')
    .option('--fail <spec>', 'error injection, e.g. ThrottlingException=0.5,ServiceUnavailableException=0.1')
    .option('--only-models <ids>', 'comma-separated model ids that error injection applies to')
    .option('--answer <text>', '"echo" (repeat the last user message) or a fixed answer text')
    .option('--chunk-tokens <n>', 'tokens per streamed chunk')
    .option('--chunk-delay-ms <ms>', 'delay between streamed chunks')
    .option('--rerank-page-size <n>', 'Rerank results per page (the rest come through nextToken)')
    .option('--json', 'print the listening address as JSON')
    .action(async (flags: SimulateFlags) => {
      const opts = simulateOptionsFromFlags(flags);
      const sim = await startSimulator(opts);
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ url: sim.url, port: sim.port, protocol: opts.protocol, settings: sim.settings() })}\n`);
      } else {
        process.stdout.write(`strata simulate (${opts.protocol}) listening on ${sim.url} — control at ${sim.url}/_control\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await sim.close();
    });
}
