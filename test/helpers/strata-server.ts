import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { createLogger, flushInvocationLog } from '../../src/observe/index.js';
import { buildServer } from '../../src/server/app.js';
import { createStrata, type Strata } from '../../src/strata.js';

export interface RunningStrata {
  url: string;
  strata: Strata;
  /** every JSON log line the server wrote (batched invocation lines included: reading hands them over first) */
  readonly logs: string[];
  home: string;
  /** an admin key of tenant 'default' when started with auth on */
  adminKey?: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** require API keys (default false: development mode, as with --no-auth) */
  auth?: boolean;
}

/** Starts the real fastify server in-process on an ephemeral port with a temp SQLite home. */
export async function startStrataServer(yaml: string, env: NodeJS.ProcessEnv = {}, opts: StartOptions = {}): Promise<RunningStrata> {
  const home = mkdtempSync(join(tmpdir(), 'strata-test-'));
  const logs: string[] = [];
  // a destination is handed chunks (invocation lines come in batches): kept here line by line
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void logs.push(...s.split('\n').filter((l) => l !== '')) } });
  const config = parseConfig(yaml, 'test config');
  config.server.port = 0;
  const strata = await createStrata({ config, env: { ...process.env, STRATA_HOME: home, STRATA_DATABASE_URL: '', ...env }, logger, processMetrics: false });
  const adminKey = opts.auth ? (await strata.keys.create({ tenant: 'default', role: 'admin' })).key : undefined;
  const app = buildServer({
    gateway: strata.gateway,
    logger,
    metrics: strata.metrics,
    store: strata.store,
    keys: opts.auth ? strata.keys : undefined,
    metricsNeedKey: config.server.metricsAuth,
    bodyLimitBytes: config.server.bodyLimitBytes,
    prompts: { registry: strata.promptRegistry, runtime: strata.prompts, experiments: strata.experiments, feedbackTextTenants: strata.config.feedback.textTenants },
    knowledgeBases: strata.knowledgeBases,
    guardrails: strata.guardrails,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    strata,
    get logs() {
      flushInvocationLog(logger);
      return logs;
    },
    home,
    adminKey,
    async close() {
      await app.close();
      await strata.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
