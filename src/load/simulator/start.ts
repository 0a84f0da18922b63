import { countTokens } from '../../core/index.js';
import { SimulatorBehavior, type ModelCounts } from './behavior.js';
import { listen } from './server.js';
import type { SettingsPatch, SimulatorSettings } from './settings.js';

export interface SimulatorHandle {
  url: string;
  port: number;
  settings(): SimulatorSettings;
  /** same semantics as POST /_control: given fields replace current ones; throws StrataError on bad input */
  update(patch: SettingsPatch | Partial<SimulatorSettings>): void;
  /** per model id */
  counts(): Record<string, ModelCounts>;
  /** clears counts, quota windows and the prompt-cache emulation */
  reset(): void;
  close(): Promise<void>;
}

export interface StartSimulatorOptions {
  protocol: 'bedrock' | 'openai';
  host?: string;
  port?: number;
  settings?: Partial<SimulatorSettings>;
}

/** Starts an upstream simulator (Bedrock Runtime or OpenAI wire protocol) on one HTTP/1.1 + h2c port. */
export async function startSimulator(opts: StartSimulatorOptions): Promise<SimulatorHandle> {
  const behavior = new SimulatorBehavior(opts.settings ?? {});
  // Loading the cl100k ranks takes about a second; pay it now rather than on the first request.
  countTokens('warm up');
  const host = opts.host ?? '127.0.0.1';
  const server = await listen(opts.protocol, behavior, host, opts.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${server.port}`,
    port: server.port,
    settings: () => behavior.settings(),
    update: (patch) => behavior.update(patch),
    counts: () => behavior.counts(),
    reset: () => behavior.reset(),
    close: () => (closing ??= server.close()),
  };
}
