import { createClient } from 'redis';
import { StrataError } from '../../core/index.js';

/** The official node-redis client, as Strata uses it (RESP2, no modules). */
export type RedisClient = ReturnType<typeof createClient>;

/** A Redis URL with any password replaced, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export interface ConnectRedisOptions {
  /** called for connection errors after the first connect (the client reconnects by itself) */
  onError?: (err: Error) => void;
  /** give up the first connect after this long (default 5000 ms) */
  connectTimeoutMs?: number;
}

/**
 * Connects to Redis (STRATA_REDIS_URL). A server that cannot be reached at start-up is a clear
 * error naming the URL; later disconnects are reported through onError while the client reconnects.
 */
export async function connectRedis(url: string, opts: ConnectRedisOptions = {}): Promise<RedisClient> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StrataError('config_invalid', `STRATA_REDIS_URL is not a URL: expected redis://host:6379 or rediss://…`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new StrataError('config_invalid', `STRATA_REDIS_URL must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  const timeout = opts.connectTimeoutMs ?? 5000;
  let connected = false;
  const client = createClient({
    url,
    socket: {
      connectTimeout: timeout,
      // before the first connect: fail fast; afterwards: back off up to 2 s and keep trying
      reconnectStrategy: (retries) => (connected ? Math.min(50 * 2 ** retries, 2000) : false),
    },
  });
  let firstError: Error | undefined;
  client.on('error', (err: Error) => {
    if (!connected) firstError ??= err;
    else opts.onError?.(err);
  });
  try {
    await client.connect();
  } catch (e) {
    const reason = firstError?.message ?? (e as Error).message;
    if (client.isOpen) client.destroy();
    throw new StrataError('config_invalid', `Cannot connect to Redis at ${redactRedisUrl(url)} (STRATA_REDIS_URL): ${reason}`);
  }
  connected = true;
  return client;
}
