import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { StrataError } from '../../core/index.js';
import type { Strata } from '../../strata.js';
import { buildServer, tuneGc } from '../../server/index.js';
import { createStrata } from '../../strata.js';
import { loadConfig } from '../../config/index.js';

interface ServeFlags {
  config?: string;
  host?: string;
  port?: string;
  json?: boolean;
  /** false with --no-auth */
  auth?: boolean;
}

/** Adds `strata serve`: the HTTP server on the configured models, until SIGINT/SIGTERM. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the HTTP server (OpenAI-compatible API, Bedrock Runtime and Agent Runtime paths, knowledge bases, /metrics, /healthz) on the configured models')
    .option('-c, --config <path>', 'strata.yaml (default: $STRATA_CONFIG, else built-in local defaults)')
    .option('--host <host>', 'address to bind (overrides server.host)')
    .option('--port <n>', 'port to listen on (overrides server.port; 0 = any free port)')
    .option('--json', 'print the start-up line as JSON')
    .option('--no-auth', "development mode: no API key needed, every caller is admin of tenant 'default' (logged loudly)")
    .action(async (flags: ServeFlags) => {
      await serve(flags);
    });
}

async function serve(flags: ServeFlags): Promise<void> {
  const config = loadConfig({ path: flags.config, env: process.env });
  if (flags.host !== undefined) config.server.host = flags.host;
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StrataError('invalid_request', `--port must be an integer from 0 to 65535, got "${flags.port}".`);
    config.server.port = port;
  }
  const gc = tuneGc(config.server.parallelGc);
  const strata = await createStrata({ config });
  const authOn = flags.auth !== false && config.auth.enabled;
  let firstKey: { key: string; file: string } | undefined;
  try {
    if (authOn) firstKey = await createFirstAdminKey(strata);
  } catch (e) {
    await strata.close();
    throw e;
  }
  let draining = false;
  const app = buildServer({
    gateway: strata.gateway,
    logger: strata.logger,
    metrics: strata.metrics,
    store: strata.store,
    keys: authOn ? strata.keys : undefined,
    metricsNeedKey: config.server.metricsAuth,
    bodyLimitBytes: config.server.bodyLimitBytes,
    prompts: { registry: strata.promptRegistry, runtime: strata.prompts, experiments: strata.experiments, feedbackTextTenants: strata.config.feedback.textTenants },
    knowledgeBases: strata.knowledgeBases,
    guardrails: strata.guardrails,
    isReady: () => !draining,
    onDraining: () => {
      strata.logger.info('draining: not accepting new requests, finishing in-flight ones');
      strata.logger.flush();
    },
  });
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (e) {
    await strata.close();
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new StrataError('invalid_request', `Port ${config.server.port} on ${config.server.host} is already in use; pass --port or set server.port.`);
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.server.port;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  const models = strata.gateway.catalog.routes().map((r) => r.name);
  const auth = authOn ? 'on' : 'off';
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ url, port, store: strata.storeDescription, routes: models, auth, ...(firstKey ? { adminKey: firstKey.key, adminKeyFile: firstKey.file } : {}) })}\n`);
  } else {
    process.stdout.write(`Strata listening on ${url}\n  store: ${strata.storeDescription}\n  models and routes: ${models.join(', ')}\n  auth: ${auth}\n`);
    if (firstKey) {
      process.stdout.write(
        `\nFirst start: created an admin API key for tenant 'default'. It is shown once here and kept in ${firstKey.file} (mode 600):\n\n  ${firstKey.key}\n\n` +
          `Send it as 'authorization: Bearer <key>'. Create narrower keys with 'strata keys create'.\n`,
      );
    }
  }
  if (!authOn) {
    process.stderr.write(`WARNING: authentication is OFF (${flags.auth === false ? '--no-auth' : 'auth.enabled: false'}). Anyone who can reach ${url} is admin. Use this for local development only.\n`);
    strata.logger.warn({ event: 'auth_disabled', url }, 'AUTHENTICATION IS OFF: every caller is admin of tenant default (development mode)');
  }
  strata.logger.info({ url, store: strata.storeDescription, auth, gc }, 'server started');

  const shutdown = async (signal: string): Promise<void> => {
    if (draining) return;
    draining = true;
    strata.logger.info({ signal }, 'shutdown requested');
    const grace = setTimeout(() => {
      strata.logger.warn({ graceMs: config.server.shutdownGraceMs }, 'shutdown grace period over; closing remaining connections');
      app.server.closeAllConnections();
    }, config.server.shutdownGraceMs);
    grace.unref();
    await app.close();
    clearTimeout(grace);
    await strata.close();
    process.exitCode = 0;
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/**
 * On a store with no keys at all, creates the first admin key and keeps it in $STRATA_HOME/admin.key
 * (owner-only), so `npm start` on a fresh machine is usable at once and never open.
 */
async function createFirstAdminKey(strata: Strata): Promise<{ key: string; file: string } | undefined> {
  if ((await strata.keys.count()) > 0) return undefined;
  const { key } = await strata.keys.create({ tenant: 'default', role: 'admin', name: 'first admin key (created at first start)' });
  const home = resolve(process.env.STRATA_HOME || './.strata');
  mkdirSync(home, { recursive: true });
  const file = join(home, 'admin.key');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  strata.logger.info({ event: 'first_admin_key_created', file }, 'created the first admin API key');
  return { key, file };
}
