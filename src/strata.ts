import { ContentHasher } from './core/index.js';
import { loadConfig, type StrataConfig } from './config/index.js';
import { Gateway, ModelCatalog } from './gateway/index.js';
import { GatewayMetrics, createLogger, flushInvocationLog, type Logger } from './observe/index.js';
import { createProviderModel } from './providers/registry.js';
import { InvocationWriter, getOrCreateHashKey, openStore, type Store } from './store/index.js';

export interface CreateStrataOptions {
  /** path of strata.yaml (else STRATA_CONFIG, else the built-in defaults) */
  configPath?: string;
  /** an already loaded config (takes precedence over configPath) */
  config?: StrataConfig;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** collect Node process metrics as well (default true) */
  processMetrics?: boolean;
}

/** A running Strata: the pieces the server, the CLI and library users share. */
export interface Strata {
  readonly config: StrataConfig;
  readonly store: Store;
  readonly gateway: Gateway;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly writer: InvocationWriter;
  /** where the data lives, for humans: a SQLite path or the PostgreSQL host */
  readonly storeDescription: string;
  /** flush records, close providers and the store */
  close(): Promise<void>;
}

/** Loads config, opens the store (migrating it), builds providers and the gateway pipeline. */
export async function createStrata(opts: CreateStrataOptions = {}): Promise<Strata> {
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadConfig({ path: opts.configPath, env });
  const logger = opts.logger ?? createLogger();
  const metrics = new GatewayMetrics({ defaultMetrics: opts.processMetrics ?? true });
  const databaseUrl = env.STRATA_DATABASE_URL || undefined;
  const store = await openStore({ databaseUrl, home: env.STRATA_HOME || undefined });
  try {
    const hashKey = await getOrCreateHashKey(store, config.hashKey ?? (env.STRATA_HASH_KEY || undefined));
    const writer = new InvocationWriter(store, {
      onError: (error, dropped) => {
        metrics.recordsDropped.inc({}, dropped);
        logger.error({ code: error.code, dropped }, 'invocation records could not be stored');
      },
    });
    const catalog = new ModelCatalog(config, (alias) => createProviderModel(alias, config.models[alias]!, env), { metrics });
    const gateway = new Gateway({ catalog, hasher: new ContentHasher(hashKey), logger, metrics, sink: writer });
    let closing: Promise<void> | undefined;
    return {
      config,
      store,
      gateway,
      metrics,
      logger,
      writer,
      storeDescription: store.description,
      close() {
        closing ??= (async () => {
          await writer.close();
          await catalog.close();
          await store.close();
          flushInvocationLog(logger);
          logger.flush();
        })();
        return closing;
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
