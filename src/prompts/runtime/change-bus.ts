import { randomBytes } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { isRecord } from '../../core/index.js';

/** A label of a prompt moved, was created or was removed: caches holding it must drop it. */
export interface PromptChange {
  tenant: string;
  name: string;
  label: string;
}

/**
 * What a subscriber hears: one change, or `resync` when changes may have been missed (a
 * reconnect, another process writing the embedded database) and every cached label is suspect.
 */
export type PromptBusEvent = { type: 'change'; change: PromptChange } | { type: 'resync' };
export type PromptBusListener = (event: PromptBusEvent) => void;

/** Carries label changes between the replicas of a deployment. */
export interface PromptChangeBus {
  /** which transport carries changes to other replicas, for logs and tests */
  readonly kind: 'in-process' | 'postgres' | 'redis';
  /**
   * Tells every subscriber: those of this process at once (synchronously, before the promise
   * settles), the other replicas through the transport. Never rejects: a lost message costs
   * freshness until the cache TTL, never a request.
   */
  publish(change: PromptChange): Promise<void>;
  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: PromptBusListener): () => void;
  /** resolves once the transport listens, so a change published elsewhere afterwards is heard */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Local fan-out shared by every transport: listeners are isolated from each other's exceptions. */
export class BusListeners {
  readonly #listeners = new Set<PromptBusListener>();
  readonly #onListenerError: ((e: unknown) => void) | undefined;

  constructor(onListenerError?: (e: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  add(listener: PromptBusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: PromptBusEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (e) {
        this.#onListenerError?.(e);
      }
    }
  }
}

/** The message a replica sends: the change plus its own id, so it can ignore its echo. */
export interface WireChange {
  o: string;
  t: string;
  n: string;
  l: string;
}

/** A random id for this replica (per bus instance). */
export function newOrigin(): string {
  return randomBytes(8).toString('hex');
}

export function encodeChange(origin: string, c: PromptChange): string {
  const wire: WireChange = { o: origin, t: c.tenant, n: c.name, l: c.label };
  return JSON.stringify(wire);
}

/** The change in a transport message, or undefined for our own echo or a malformed message. */
export function decodeChange(origin: string, text: string): PromptChange | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || typeof v.o !== 'string' || typeof v.t !== 'string' || typeof v.n !== 'string' || typeof v.l !== 'string') return undefined;
  if (v.o === origin) return undefined;
  return { tenant: v.t, name: v.n, label: v.l };
}

export interface InProcessBusOptions {
  /**
   * The embedded store's connection: its `PRAGMA data_version` changes when another process (a
   * `strata prompts label` run, a second server on the same file) commits, which is then announced
   * as a resync. Without it only this process's changes are seen at once.
   */
  sqlite?: BetterSqlite3.Database;
  /** how often data_version is read (default 500 ms) */
  pollMs?: number;
  onListenerError?: (e: unknown) => void;
}

/** The embedded bus: changes reach this process's subscribers at once. */
export class InProcessChangeBus implements PromptChangeBus {
  readonly kind = 'in-process' as const;
  readonly #listeners: BusListeners;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: InProcessBusOptions = {}) {
    this.#listeners = new BusListeners(opts.onListenerError);
    const raw = opts.sqlite;
    if (raw) {
      let seen = readDataVersion(raw);
      this.#timer = setInterval(() => {
        const now = readDataVersion(raw);
        if (now === undefined || now === seen) return;
        seen = now;
        this.#listeners.emit({ type: 'resync' });
      }, opts.pollMs ?? 500);
      this.#timer.unref();
    }
  }

  publish(change: PromptChange): Promise<void> {
    this.#listeners.emit({ type: 'change', change });
    return Promise.resolve();
  }

  subscribe(listener: PromptBusListener): () => void {
    return this.#listeners.add(listener);
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    return Promise.resolve();
  }
}

function readDataVersion(raw: BetterSqlite3.Database): number | undefined {
  try {
    if (!raw.open) return undefined;
    return raw.pragma('data_version', { simple: true }) as number;
  } catch {
    // a closed or busy connection: try again at the next tick
    return undefined;
  }
}
