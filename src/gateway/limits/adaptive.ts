import { StrataError, type Clock } from '../../core/index.js';

export interface AdaptiveThrottleOptions {
  clock: Clock;
  /** limit after a throttle, as a fraction of the rate that was throttled (default 0.5) */
  decreaseFactor?: number;
  /** additive increase per second, as a fraction of the limit set at the last decrease (default 0.1) */
  recoverFraction?: number;
  /** the limit never goes below this many requests/minute (default 1) */
  minRpm?: number;
  /** send-rate measurement window (default 10000 ms) */
  windowMs?: number;
  /** throttles this soon after a decrease answer requests sent before it and are ignored (default 1000 ms) */
  cooldownMs?: number;
}

/**
 * Finds the send rate an upstream tolerates, AIMD style, for upstreams that throttle without
 * saying their quota (Bedrock's ThrottlingException, a 429 without headers).
 *
 * - Decrease: a throttle sets the limit to decreaseFactor × min(limit, measured send rate). The
 *   measured rate matters because a limit far above what was actually sent says nothing about
 *   what the upstream accepts; halving it would take many throttles to reach the real level.
 *   The rate is counts over per-second buckets spanning windowMs, divided by the time they
 *   really cover (shorter right after start), so a burst is neither diluted nor exaggerated.
 * - Cooldown: in-flight requests sent at the old rate come back throttled together; counting
 *   each would collapse the limit to minRpm on one congestion event.
 * - Increase: each success adds recoverFraction × (limit at the last decrease) per second since
 *   the last adjustment, so recovery speed follows elapsed time, not how many requests succeed,
 *   and recovering to the throttled rate takes (1/decreaseFactor − 1)/recoverFraction seconds.
 * - Lift: once the limit reaches twice the measured send rate it no longer shapes traffic, so it
 *   is dropped; under sustained demand the sent rate tracks the limit and the limit keeps probing
 *   upwards until the next throttle.
 * - Spacing: admit() lets one request through every 60000/limit ms with no burst, since a throttled
 *   upstream is exactly where bursts hurt.
 */
export class AdaptiveThrottle {
  readonly #clock: Clock;
  readonly #decreaseFactor: number;
  readonly #recoverFraction: number;
  readonly #minRpm: number;
  readonly #cooldownMs: number;
  #limit: number | undefined;
  /** rpm added per second of recovery, fixed at each decrease */
  #step = 0;
  #lastAdjustAt = 0;
  #lastDecreaseAt = -Infinity;
  #nextSendAt = -Infinity;
  // send counts per second: #counts[s % n] holds second s for the n seconds up to #headSec
  readonly #counts: number[];
  #headSec: number | undefined;
  #total = 0;
  #firstSendAt: number | undefined;

  constructor(opts: AdaptiveThrottleOptions) {
    const { clock, decreaseFactor = 0.5, recoverFraction = 0.1, minRpm = 1, windowMs = 10_000, cooldownMs = 1000 } = opts;
    const bad = (what: string): never => {
      throw new StrataError('config_invalid', `Adaptive throttle: ${what}.`);
    };
    if (!(decreaseFactor > 0 && decreaseFactor < 1)) bad(`decreaseFactor must be between 0 and 1, got ${decreaseFactor}`);
    if (!(recoverFraction > 0 && Number.isFinite(recoverFraction))) bad(`recoverFraction must be > 0, got ${recoverFraction}`);
    if (!(minRpm > 0 && Number.isFinite(minRpm))) bad(`minRpm must be > 0, got ${minRpm}`);
    if (!(windowMs >= 1000 && Number.isFinite(windowMs))) bad(`windowMs must be at least 1000, got ${windowMs}`);
    if (!(cooldownMs >= 0 && Number.isFinite(cooldownMs))) bad(`cooldownMs must be ≥ 0, got ${cooldownMs}`);
    this.#clock = clock;
    this.#decreaseFactor = decreaseFactor;
    this.#recoverFraction = recoverFraction;
    this.#minRpm = minRpm;
    this.#cooldownMs = cooldownMs;
    this.#counts = new Array<number>(Math.ceil(windowMs / 1000)).fill(0);
  }

  /** Current limit in requests/minute, undefined while not limiting. */
  get rateRpm(): number | undefined {
    return this.#limit;
  }

  /** When the next send may go, seen at `now`: a clock stepping backwards must not push it far into the future. */
  #nextSend(now: number, interval: number): number {
    return Math.min(this.#nextSendAt, now + interval);
  }

  /** What admit() would answer now, without counting a send: 0 = a request may go, else ms to wait. */
  waitMs(): number {
    if (this.#limit === undefined) return 0;
    const now = this.#clock.now();
    const next = this.#nextSend(now, 60_000 / this.#limit);
    return now < next ? Math.ceil(next - now) : 0;
  }

  /** 0 when a request may be sent now (and counts it), else ms to wait before asking again. */
  admit(): number {
    const now = this.#clock.now();
    if (this.#limit !== undefined) {
      const interval = 60_000 / this.#limit;
      this.#nextSendAt = this.#nextSend(now, interval);
      if (now < this.#nextSendAt) return Math.ceil(this.#nextSendAt - now);
      this.#nextSendAt = Math.max(this.#nextSendAt, now) + interval;
    }
    this.#advance(now);
    this.#counts[this.#headSec! % this.#counts.length]! += 1;
    this.#total += 1;
    this.#firstSendAt ??= now;
    return 0;
  }

  /** Upstream said "throttled": multiplicative decrease from min(limit, measured send rate). */
  onThrottled(): void {
    const now = this.#clock.now();
    if (now >= this.#lastDecreaseAt && now - this.#lastDecreaseAt < this.#cooldownMs) return;
    const base = Math.min(this.#limit ?? Infinity, this.#sendRateRpm(now));
    this.#limit = Math.max(this.#minRpm, base * this.#decreaseFactor);
    this.#step = this.#limit * this.#recoverFraction;
    this.#lastAdjustAt = now;
    this.#lastDecreaseAt = now;
  }

  /** A successful answer: additive increase for the time since the last adjustment; lifts the limit once it is 2× the send rate. */
  onSuccess(): void {
    if (this.#limit === undefined) return;
    const now = this.#clock.now();
    if (now > this.#lastAdjustAt) {
      this.#limit += (this.#step * (now - this.#lastAdjustAt)) / 1000;
      this.#lastAdjustAt = now;
    }
    if (this.#limit >= 2 * this.#sendRateRpm(now)) this.#limit = undefined;
  }

  /** Requests/minute sent over the window ending now. */
  #sendRateRpm(now: number): number {
    this.#advance(now);
    if (this.#firstSendAt === undefined || this.#headSec === undefined) return 0;
    const windowStart = (this.#headSec - this.#counts.length + 1) * 1000;
    const span = Math.max(1000, now - Math.max(windowStart, this.#firstSendAt));
    return (this.#total * 60_000) / span;
  }

  /** Moves the ring to the current second, zeroing the seconds that fell out of the window. */
  #advance(now: number): void {
    const sec = Math.floor(now / 1000);
    if (this.#headSec === undefined) {
      this.#headSec = sec;
      return;
    }
    // a clock stepping backwards counts into the newest second rather than rewriting history
    if (sec <= this.#headSec) return;
    const n = this.#counts.length;
    if (sec - this.#headSec >= n) {
      this.#counts.fill(0);
      this.#total = 0;
    } else {
      for (let s = this.#headSec + 1; s <= sec; s++) {
        this.#total -= this.#counts[s % n]!;
        this.#counts[s % n] = 0;
      }
    }
    this.#headSec = sec;
  }
}
