import type { RedisClient, Store } from '../../store/index.js';
import { InProcessChangeBus, type PromptChangeBus } from './change-bus.js';
import { PostgresChangeBus } from './postgres-change-bus.js';
import { RedisChangeBus } from './redis-change-bus.js';

export interface PromptBusChoice {
  store: Store;
  /** STRATA_DATABASE_URL: on PostgreSQL the listener needs its own connection */
  databaseUrl?: string;
  /** the shared client when STRATA_REDIS_URL is set */
  redis?: RedisClient;
  /** STRATA_REDIS_PREFIX */
  redisPrefix?: string;
  onError?: (e: Error) => void;
}

/**
 * The transport a deployment's replicas share: Redis when configured (it is there to be shared),
 * else PostgreSQL LISTEN/NOTIFY, else in-process, watching the SQLite file for other processes'
 * commits (a CLI label move reaches a running embedded server within a poll).
 */
export function createPromptChangeBus(choice: PromptBusChoice): PromptChangeBus {
  if (choice.redis) return new RedisChangeBus({ client: choice.redis, prefix: choice.redisPrefix ?? 'strata:', onError: choice.onError });
  if (choice.store.dialect === 'postgres' && choice.databaseUrl) {
    return new PostgresChangeBus({ url: choice.databaseUrl, store: choice.store, onError: choice.onError });
  }
  return new InProcessChangeBus({ sqlite: choice.store.sqlite });
}

/**
 * Publishes label changes made by a short-lived process (the CLI) to running servers, without
 * listening: the change reaches them through the same transport they listen on.
 */
export class PromptChangeAnnouncer {
  readonly #pending: Promise<unknown>[] = [];
  readonly #send: ((channelMessage: { tenant: string; name: string; label: string }) => Promise<void>) | undefined;

  constructor(choice: PromptBusChoice) {
    if (choice.redis) {
      const bus = new RedisChangeBus({ client: choice.redis, prefix: choice.redisPrefix ?? 'strata:', onError: choice.onError, listen: false });
      this.#send = (c) => bus.publish(c);
    } else if (choice.store.dialect === 'postgres' && choice.databaseUrl) {
      const bus = new PostgresChangeBus({ url: choice.databaseUrl, store: choice.store, onError: choice.onError, listen: false });
      this.#send = (c) => bus.publish(c);
    }
    // embedded: running servers see the commit through PRAGMA data_version; nothing to send
  }

  /** Queues one change (give this to PromptRegistry's onLabelChange). */
  announce(change: { tenant: string; name: string; label: string }): void {
    if (this.#send) this.#pending.push(this.#send({ tenant: change.tenant, name: change.name, label: change.label }));
  }

  /** Resolves when every queued change has been sent (publish never rejects). */
  async flush(): Promise<void> {
    await Promise.all(this.#pending.splice(0));
  }
}
