/** Counts requests in flight per key with expiring leases. */
export interface ConcurrencyStore {
  /** takes a slot if fewer than limit live leases; leases expire at now+leaseMs so a crashed replica's slots come back. Calling it again with a held leaseId extends that lease. */
  tryAcquire(key: string, limit: number, leaseId: string, now: number, leaseMs: number): Promise<boolean>;
  /** tryAcquire() answered at once when this store can (in-process slots, a slot held locally); undefined = ask tryAcquire, nothing was taken */
  tryAcquireNow?(key: string, limit: number, leaseId: string, now: number, leaseMs: number): boolean | undefined;
  /** gives a slot back; unknown or already released leases are ignored */
  release(key: string, leaseId: string): Promise<void>;
  /** live leases of the key at `now` */
  count(key: string, now: number): Promise<number>;
  /** gives back what this replica holds for later requests (shutdown) */
  close?(): Promise<void>;
}

/** Slots of this process only: the embedded default. */
export class MemoryConcurrencyStore implements ConcurrencyStore {
  /** key → leaseId → expiry (ms) */
  readonly #leases = new Map<string, Map<string, number>>();

  /** Takes a slot when fewer than limit live leases exist. */
  tryAcquire(key: string, limit: number, leaseId: string, now: number, leaseMs: number): Promise<boolean> {
    return Promise.resolve(this.tryAcquireNow(key, limit, leaseId, now, leaseMs));
  }

  tryAcquireNow(key: string, limit: number, leaseId: string, now: number, leaseMs: number): boolean {
    let leases = this.#leases.get(key);
    if (leases === undefined) {
      leases = new Map();
      this.#leases.set(key, leases);
    }
    prune(leases, now);
    if (leases.has(leaseId) || leases.size < limit) {
      leases.set(leaseId, now + leaseMs);
      return true;
    }
    if (leases.size === 0) this.#leases.delete(key);
    return false;
  }

  /** Gives the slot back; idempotent. */
  release(key: string, leaseId: string): Promise<void> {
    const leases = this.#leases.get(key);
    if (leases?.delete(leaseId) && leases.size === 0) this.#leases.delete(key);
    return Promise.resolve();
  }

  /** Live leases of the key. */
  count(key: string, now: number): Promise<number> {
    let n = 0;
    for (const expiry of this.#leases.get(key)?.values() ?? []) if (expiry > now) n++;
    return Promise.resolve(n);
  }
}

// Pruning happens where a slot is wanted, so an abandoned lease costs nothing until someone needs it.
function prune(leases: Map<string, number>, now: number): void {
  for (const [id, expiry] of leases) if (expiry <= now) leases.delete(id);
}
