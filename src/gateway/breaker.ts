import type { Clock } from '../core/index.js';
import { systemClock } from '../core/index.js';

export interface BreakerOptions {
  /** share of failed calls in the window that opens the circuit */
  failureRatio: number;
  /** calls in the window before the ratio is trusted */
  minRequests: number;
  windowMs: number;
  /** how long an open circuit rejects before letting probes through */
  openMs: number;
  /** concurrent probe calls allowed while half-open */
  halfOpenMaxProbes: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

const BUCKETS = 10;

/**
 * Per-model circuit breaker over a rolling window of bucketed counts.
 * Closed → open when failures/total ≥ ratio (with enough calls); open → half-open after `openMs`;
 * half-open lets a few probes through: one success closes, one failure re-opens.
 */
export class CircuitBreaker {
  readonly #opts: BreakerOptions;
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #ok = new Array<number>(BUCKETS).fill(0);
  readonly #fail = new Array<number>(BUCKETS).fill(0);
  #bucketStart = 0;
  #bucketIndex = 0;
  #state: BreakerState = 'closed';
  #openedAt = 0;
  #probes = 0;
  /** called on every state change (metrics, logs) */
  onStateChange: ((state: BreakerState) => void) | undefined;

  constructor(opts: BreakerOptions, clock: Clock = systemClock) {
    this.#opts = opts;
    this.#clock = clock;
    this.#bucketMs = Math.max(1, Math.floor(opts.windowMs / BUCKETS));
    this.#bucketStart = clock.now();
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#clock.now() - this.#openedAt >= this.#opts.openMs) return 'half_open';
    return this.#state;
  }

  /** Whether a call may go to the model now; when true the caller must report the outcome. */
  tryAcquire(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open') {
      if (this.#clock.now() - this.#openedAt < this.#opts.openMs) return false;
      this.#transition('half_open');
      this.#probes = 0;
    }
    if (this.#probes >= this.#opts.halfOpenMaxProbes) return false;
    this.#probes++;
    return true;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when not open). */
  retryInMs(): number {
    if (this.#state !== 'open') return 0;
    return Math.max(0, this.#opts.openMs - (this.#clock.now() - this.#openedAt));
  }

  onSuccess(): void {
    if (this.#state === 'half_open') {
      this.#probes = Math.max(0, this.#probes - 1);
      this.#reset();
      this.#transition('closed');
      return;
    }
    this.#advance();
    this.#ok[this.#bucketIndex]!++;
  }

  onFailure(): void {
    if (this.#state === 'half_open') {
      this.#probes = Math.max(0, this.#probes - 1);
      this.#open();
      return;
    }
    if (this.#state === 'open') return;
    this.#advance();
    this.#fail[this.#bucketIndex]!++;
    let ok = 0;
    let fail = 0;
    for (let i = 0; i < BUCKETS; i++) {
      ok += this.#ok[i]!;
      fail += this.#fail[i]!;
    }
    const total = ok + fail;
    if (total >= this.#opts.minRequests && fail / total >= this.#opts.failureRatio) this.#open();
  }

  /** A probe that ended without a verdict (client went away) frees its slot. */
  release(): void {
    if (this.#state === 'half_open') this.#probes = Math.max(0, this.#probes - 1);
  }

  #open(): void {
    this.#openedAt = this.#clock.now();
    this.#reset();
    this.#transition('open');
  }

  #transition(state: BreakerState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.onStateChange?.(state);
  }

  #reset(): void {
    this.#ok.fill(0);
    this.#fail.fill(0);
    this.#bucketStart = this.#clock.now();
  }

  /** Rotates buckets so the counts cover only the last `windowMs`. */
  #advance(): void {
    const now = this.#clock.now();
    const elapsed = Math.floor((now - this.#bucketStart) / this.#bucketMs);
    if (elapsed <= 0) return;
    const steps = Math.min(elapsed, BUCKETS);
    for (let i = 0; i < steps; i++) {
      this.#bucketIndex = (this.#bucketIndex + 1) % BUCKETS;
      this.#ok[this.#bucketIndex] = 0;
      this.#fail[this.#bucketIndex] = 0;
    }
    this.#bucketStart += elapsed * this.#bucketMs;
  }
}
