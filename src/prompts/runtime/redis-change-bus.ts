import type { RedisClient } from '../../store/index.js';
import { BusListeners, decodeChange, encodeChange, newOrigin, type PromptBusListener, type PromptChange, type PromptChangeBus } from './change-bus.js';

export interface RedisBusOptions {
  /** the shared client: it publishes; a duplicate subscribes (a subscribed connection can do nothing else) */
  client: RedisClient;
  /** key prefix of the deployment (STRATA_REDIS_PREFIX): the channel is `<prefix>prompts:changes` */
  prefix: string;
  onError?: (e: Error) => void;
  /** false = publish only (a CLI run): no subscribing connection (default true) */
  listen?: boolean;
}

/**
 * Redis pub/sub. node-redis reconnects and resubscribes by itself; messages published while the
 * subscriber was away are lost, so every reconnect after the first announces a resync.
 */
export class RedisChangeBus implements PromptChangeBus {
  readonly kind = 'redis' as const;
  readonly channel: string;
  readonly #opts: RedisBusOptions;
  readonly #listeners: BusListeners;
  readonly #origin = newOrigin();
  readonly #subscriber: RedisClient | undefined;
  readonly #ready: Promise<void>;
  #connectedOnce = false;
  #closed = false;

  constructor(opts: RedisBusOptions) {
    this.#opts = opts;
    this.channel = `${opts.prefix}prompts:changes`;
    this.#listeners = new BusListeners((e) => opts.onError?.(e instanceof Error ? e : new Error(String(e))));
    if (opts.listen === false) {
      this.#ready = Promise.resolve();
      return;
    }
    const subscriber = opts.client.duplicate();
    this.#subscriber = subscriber;
    subscriber.on('error', (e: Error) => opts.onError?.(e));
    subscriber.on('ready', () => {
      if (this.#connectedOnce) this.#listeners.emit({ type: 'resync' });
      this.#connectedOnce = true;
    });
    this.#ready = this.#start(subscriber);
    this.#ready.catch(() => undefined);
  }

  async #start(subscriber: RedisClient): Promise<void> {
    await subscriber.connect();
    await subscriber.subscribe(this.channel, (message: string) => {
      const change = decodeChange(this.#origin, message);
      if (change) this.#listeners.emit({ type: 'change', change });
    });
  }

  async publish(change: PromptChange): Promise<void> {
    this.#listeners.emit({ type: 'change', change });
    try {
      await this.#opts.client.publish(this.channel, encodeChange(this.#origin, change));
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

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ready.catch(() => undefined);
    if (this.#subscriber?.isOpen) this.#subscriber.destroy();
  }
}
