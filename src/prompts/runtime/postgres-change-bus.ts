import { createHash } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import type { Store } from '../../store/index.js';
import { BusListeners, decodeChange, encodeChange, newOrigin, type PromptBusListener, type PromptChange, type PromptChangeBus } from './change-bus.js';

export interface PostgresBusOptions {
  /** the store's connection string: the listening client needs its own session */
  url: string;
  /** the store, whose pool sends NOTIFY (no second connection for writers) */
  store: Store;
  /** told about connection trouble; the bus reconnects by itself */
  onError?: (e: Error) => void;
  /** first reconnect delay, doubled up to 2 s (default 100 ms) */
  reconnectMs?: number;
  /** false = publish only (a CLI run): no listening connection (default true) */
  listen?: boolean;
}

const MAX_RECONNECT_MS = 2000;

/**
 * The channel for one schema: replicas of one deployment share a schema, and two deployments (or
 * test files) on one database must not hear each other. Channel names are identifiers of at most
 * 63 bytes, so a long or unusual schema name is hashed.
 */
export function promptChannel(schema: string): string {
  const part = /^[a-z0-9_]{1,40}$/.test(schema) ? schema : createHash('sha256').update(schema).digest('hex').slice(0, 24);
  return `strata_prompts_${part}`;
}

/**
 * PostgreSQL LISTEN/NOTIFY. One dedicated client listens (a pooled connection would be returned
 * and lose its LISTEN); NOTIFY goes through the store's pool. A dropped listener reconnects with
 * backoff and announces a resync, since notifications sent while it was away are lost.
 */
export class PostgresChangeBus implements PromptChangeBus {
  readonly kind = 'postgres' as const;
  readonly #opts: PostgresBusOptions;
  readonly #listeners: BusListeners;
  readonly #origin = newOrigin();
  #channel: string | undefined;
  #client: pg.Client | undefined;
  #closed = false;
  #reconnectMs: number;
  #timer: NodeJS.Timeout | undefined;
  readonly #ready: Promise<void>;

  constructor(opts: PostgresBusOptions) {
    this.#opts = opts;
    this.#listeners = new BusListeners((e) => opts.onError?.(e instanceof Error ? e : new Error(String(e))));
    this.#reconnectMs = opts.reconnectMs ?? 100;
    if (opts.listen === false) {
      this.#ready = Promise.resolve();
      return;
    }
    this.#ready = this.#connect(false).catch((e: unknown) => {
      // keep trying in the background; ready() still reports the first failure to whoever waits
      this.#scheduleReconnect();
      throw e;
    });
    this.#ready.catch(() => undefined);
  }

  /** the channel in use (known once ready) */
  get channel(): string | undefined {
    return this.#channel;
  }

  async #channelName(): Promise<string> {
    if (this.#channel !== undefined) return this.#channel;
    const res = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(this.#opts.store.db);
    this.#channel = promptChannel(res.rows[0]?.schema ?? 'public');
    return this.#channel;
  }

  async #connect(isReconnect: boolean): Promise<void> {
    const channel = await this.#channelName();
    const client = new pg.Client({ connectionString: this.#opts.url, keepAlive: true });
    let failed = false;
    const onFailure = (e: Error): void => {
      if (failed) return;
      failed = true;
      if (this.#client === client) this.#client = undefined;
      void client.end().catch(() => undefined);
      if (this.#closed) return;
      this.#opts.onError?.(e);
      this.#scheduleReconnect();
    };
    client.on('error', onFailure);
    client.on('end', () => onFailure(new Error('the prompt change listener connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel !== channel || msg.payload === undefined) return;
      const change = decodeChange(this.#origin, msg.payload);
      if (change) this.#listeners.emit({ type: 'change', change });
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
    } catch (e) {
      failed = true;
      await client.end().catch(() => undefined);
      throw e;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#reconnectMs = this.#opts.reconnectMs ?? 100;
    if (isReconnect) this.#listeners.emit({ type: 'resync' });
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#timer) return;
    const delay = this.#reconnectMs;
    this.#reconnectMs = Math.min(this.#reconnectMs * 2, MAX_RECONNECT_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect(true).catch((e: unknown) => {
        this.#opts.onError?.(e instanceof Error ? e : new Error(String(e)));
        this.#scheduleReconnect();
      });
    }, delay);
    this.#timer.unref();
  }

  async publish(change: PromptChange): Promise<void> {
    this.#listeners.emit({ type: 'change', change });
    try {
      const channel = await this.#channelName();
      await sql`select pg_notify(${channel}, ${encodeChange(this.#origin, change)})`.execute(this.#opts.store.db);
    } catch (e) {
      this.#opts.onError?.(e instanceof Error ? e : new Error(String(e)));
    }
  }

  subscribe(listener: PromptBusListener): () => void {
    return this.#listeners.add(listener);
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  /** Drops the listening connection as a network failure would (tests of the reconnect path). */
  dropConnection(): void {
    this.#client?.emit('error', new Error('connection dropped (test)'));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#ready.catch(() => undefined);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
