import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';

/** Adds `strata models`: the configured models and routes (no server needed). */
export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('List the configured models and routes')
    .option('-c, --config <path>', 'strata.yaml (default: $STRATA_CONFIG, else built-in local defaults)')
    .option('--json', 'print JSON')
    .action((flags: { config?: string; json?: boolean }) => {
      const config = loadConfig({ path: flags.config, env: process.env });
      const models = Object.entries(config.models).map(([alias, m]) => ({
        alias,
        provider: m.provider,
        id: m.id,
        type: m.type,
        equivalents: m.equivalents ?? [],
      }));
      const routes = Object.entries(config.routes).map(([name, r]) => ({ name, models: r.models, retry: r.retry, attemptTimeoutMs: r.attemptTimeoutMs, deadlineMs: r.deadlineMs ?? config.server.requestDeadlineMs }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ models, routes })}\n`);
        return;
      }
      const lines = ['MODELS', ...models.map((m) => `  ${m.alias.padEnd(16)} ${m.provider.padEnd(8)} ${m.type.padEnd(10)} ${m.id}${m.equivalents.length ? `  (equivalents: ${m.equivalents.join(', ')})` : ''}`)];
      lines.push('ROUTES', ...routes.map((r) => `  ${r.name.padEnd(16)} ${r.models.join(' → ')}  (attempts ${r.retry.maxAttempts}, attempt timeout ${r.attemptTimeoutMs} ms, deadline ${r.deadlineMs} ms)`));
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
