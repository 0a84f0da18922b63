import { StrataError, asClientLink, newId, type ClientLink, type Clock } from '../../core/index.js';
import type { ConcurrencyStore } from './concurrency.js';

export interface AdmissionQueueOptions {
  store: ConcurrencyStore;
  key: string;
  /** slots shared by everyone using this key in the store */
  limit: number;
  /** callers allowed to wait for a slot; 0 = reject at once when no slot is free */
  maxQueue: number;
  /** how long a caller may wait for a slot */
  maxWaitMs: number;
  clock: Clock;
  /** human name used in errors, e.g. "model 'claude' concurrent requests (8)" */
  label: string;
  /** a held slot frees itself after this long (a crashed replica); must exceed the longest request */
  leaseMs: number;
  /** how often the head re-checks a shared store for slots freed by other replicas (default 25) */
  pollMs?: number;
  /** told about store failures on release (the slot then returns when its lease expires) */
  onStoreError?: (err: unknown) => void;
}

interface Waiter {
  readonly leaseId: string;
  readonly deadline: number;
  readonly resolve: (release: () => void) => void;
  readonly reject: (err: unknown) => void;
  /** stops listening for the caller going away */
  offGone?: () => void;
  /** the store was asked at least once: even maxWaitMs = 0 gets one try */
  tried: boolean;
  settled: boolean;
}

/**
 * A concurrency cap with a bounded FIFO queue in front of it. Only the head of the queue asks the
 * store for a slot, so in this process a later caller can never overtake an earlier one; a local
 * release wakes the head at once, slots freed by other replicas are noticed by polling every pollMs.
 * Waiters share one maxWaitMs, so deadlines grow along the queue and only the head needs a timer.
 */
export class AdmissionQueue {
  readonly #o: Required<Omit<AdmissionQueueOptions, 'onStoreError'>> & Pick<AdmissionQueueOptions, 'onStoreError'>;
  readonly #waiters: Waiter[] = [];
  /** the head's last attempt failed: the queue is really waiting, so maxQueue applies to arrivals */
  #blocked = false;
  #pumping = false;
  /** a release or a head change happened since the head last asked: ask again before sleeping */
  #wakeRequested = false;
  #wakeSleeper: (() => void) | undefined;

  constructor(opts: AdmissionQueueOptions) {
    const o = { pollMs: 25, ...opts };
    const bad = (what: string): never => {
      throw new StrataError('config_invalid', `Concurrency limit ${o.label}: ${what}.`);
    };
    if (!(Number.isInteger(o.limit) && o.limit >= 1)) bad(`limit must be a whole number ≥ 1, got ${o.limit}`);
    if (!(Number.isInteger(o.maxQueue) && o.maxQueue >= 0)) bad(`maxQueue must be a whole number ≥ 0, got ${o.maxQueue}`);
    if (!(Number.isFinite(o.maxWaitMs) && o.maxWaitMs >= 0)) bad(`maxWaitMs must be ≥ 0, got ${o.maxWaitMs}`);
    if (!(Number.isFinite(o.leaseMs) && o.leaseMs > 0)) bad(`leaseMs must be > 0, got ${o.leaseMs}`);
    if (!(Number.isFinite(o.pollMs) && o.pollMs > 0)) bad(`pollMs must be > 0, got ${o.pollMs}`);
    this.#o = o;
  }

  /** Callers waiting for a slot (including the one being checked right now). */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Waits in FIFO order for a slot and resolves to an idempotent release(). Rejects with
   * rate_limited when the queue is full or maxWaitMs passes, with the signal's reason once the caller goes away.
   */
  acquire(caller?: AbortSignal | ClientLink): Promise<() => void> {
    const client = asClientLink(caller);
    if (client?.gone) return Promise.reject(client.signal.reason as Error);
    if (this.#blocked && this.#waiters.length >= this.#o.maxQueue) return Promise.reject(this.#queueFull());
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        leaseId: newId('lease', this.#o.clock.now()),
        deadline: this.#o.clock.now() + this.#o.maxWaitMs,
        resolve,
        reject,
        tried: false,
        settled: false,
      };
      if (client) w.offGone = client.onGone(() => this.#fail(w, client.signal.reason));
      this.#waiters.push(w);
      if (!this.#pumping) void this.#pump();
    });
  }

  /**
   * acquire() at once, when nobody is queued and the store grants a slot without waiting (in-process slots,
   * a slot this replica holds): the release; undefined otherwise, and then nothing was taken (call acquire()).
   * Never jumps the queue.
   */
  acquireNow(): (() => void) | undefined {
    const store = this.#o.store;
    if (store.tryAcquireNow === undefined || this.#waiters.length > 0 || this.#pumping || this.#blocked) return undefined;
    const now = this.#o.clock.now();
    const leaseId = newId('lease', now);
    let ok: boolean | undefined;
    try {
      ok = store.tryAcquireNow(this.#o.key, this.#o.limit, leaseId, now, this.#o.leaseMs);
    } catch {
      return undefined; // acquire() reports a failing store
    }
    return ok === true ? this.#releaser(leaseId) : undefined;
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let head = this.#waiters[0]; head !== undefined; head = this.#waiters[0]) {
        const now = this.#o.clock.now();
        if (head.tried && now >= head.deadline) {
          this.#fail(head, this.#timedOut());
          continue;
        }
        this.#wakeRequested = false;
        let ok: boolean;
        try {
          ok = await this.#o.store.tryAcquire(this.#o.key, this.#o.limit, head.leaseId, now, this.#o.leaseMs);
        } catch (e) {
          this.#fail(head, this.#storeFailed(e));
          continue;
        }
        head.tried = true;
        if (head.settled) {
          // aborted while the store was answering: give back what it granted
          if (ok) this.#release(head.leaseId);
          continue;
        }
        if (ok) {
          this.#blocked = false;
          this.#settle(head);
          head.resolve(this.#releaser(head.leaseId));
          continue;
        }
        this.#blocked = true;
        // arrivals while the head was being checked joined without a queue-full check
        for (const w of this.#waiters.slice(this.#o.maxQueue)) this.#fail(w, this.#queueFull());
        if (head.settled || this.#wakeRequested) continue;
        const wait = Math.min(this.#o.pollMs, head.deadline - this.#o.clock.now());
        if (wait > 0) await this.#sleep(wait);
      }
      this.#blocked = false;
    } finally {
      this.#pumping = false;
    }
  }

  /** Sleeps until the timeout or a wake-up, whichever comes first, leaving no timer behind. */
  async #sleep(ms: number): Promise<void> {
    const timer = new AbortController();
    const woken = new Promise<void>((resolve) => (this.#wakeSleeper = resolve));
    // a clock honouring the signal rejects its sleep on abort; that is the expected end here
    const slept = this.#o.clock.sleep(ms, timer.signal).catch(() => undefined);
    try {
      await Promise.race([woken, slept]);
    } finally {
      this.#wakeSleeper = undefined;
      timer.abort();
    }
  }

  #wake(): void {
    this.#wakeRequested = true;
    this.#wakeSleeper?.();
  }

  #releaser(leaseId: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#release(leaseId);
    };
  }

  #release(leaseId: string): void {
    this.#o.store.release(this.#o.key, leaseId).then(
      () => this.#wake(),
      (e: unknown) => {
        this.#o.onStoreError?.(e);
        this.#wake();
      },
    );
  }

  /** Takes the waiter out of the queue; a new head is woken so its own deadline and try apply. */
  #settle(w: Waiter): void {
    if (w.settled) return;
    w.settled = true;
    w.offGone?.();
    const i = this.#waiters.indexOf(w);
    if (i >= 0) this.#waiters.splice(i, 1);
    if (i === 0) this.#wake();
  }

  #fail(w: Waiter, err: unknown): void {
    if (w.settled) return;
    this.#settle(w);
    w.reject(err);
  }

  #rateLimited(message: string, reason: string): StrataError {
    return new StrataError('rate_limited', message, {
      // by then the callers ahead have been served or have given up
      retryAfterMs: Math.max(1000, this.#o.maxWaitMs),
      details: { limit: this.#o.label, reason, maxConcurrent: this.#o.limit },
    });
  }

  #queueFull(): StrataError {
    const { label, limit, maxQueue } = this.#o;
    return this.#rateLimited(
      `Too many concurrent requests for ${label}: ${limit} in flight and ${maxQueue} already waiting. Retry later or raise the limit.`,
      'queue_full',
    );
  }

  #timedOut(): StrataError {
    const { label, limit, maxWaitMs } = this.#o;
    return this.#rateLimited(
      `Too many concurrent requests for ${label}: none of the ${limit} slots came free within ${maxWaitMs} ms. Retry later or raise the limit.`,
      'queue_timeout',
    );
  }

  #storeFailed(e: unknown): StrataError {
    if (e instanceof StrataError) return e;
    const reason = e instanceof Error ? e.message : String(e);
    return new StrataError('internal', `Cannot check the concurrency limit ${this.#o.label}: the limit store failed (${reason}).`, {
      cause: e,
    });
  }
}
