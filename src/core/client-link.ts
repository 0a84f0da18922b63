/**
 * The caller's side of a request as the gateway watches it: whether the caller has gone away, and a way to
 * hear when it does. An AbortSignal does the same, but costs an EventTarget per request and a listener per
 * upstream attempt — measured ~5–10 µs a request on the gateway's path, where most requests never need one.
 * `signal` makes one on first use, for the code that does.
 */
export interface ClientLink {
  readonly gone: boolean;
  /** runs `cb` once when the caller goes away (not if it already has); returns the unsubscribe */
  onGone(cb: () => void): () => void;
  /** aborts when the caller goes away; made on first use */
  readonly signal: AbortSignal;
}

/** A ClientLink the owner ends with `goAway()` (an HTTP server: when the connection closes early). */
export class ClientGone implements ClientLink {
  #gone = false;
  #listeners: (() => void)[] | undefined;
  #controller: AbortController | undefined;
  #watch: ((goAway: () => void) => void) | undefined;

  /**
   * `watch`, when given, starts watching the caller on first use of `gone`, `onGone` or `signal` (most requests
   * never ask, e.g. cache hits: no listener is added for them); it must call `goAway` at once when the caller has
   * already left.
   */
  constructor(watch?: (goAway: () => void) => void) {
    this.#watch = watch;
  }

  #watching(): void {
    const watch = this.#watch;
    if (watch === undefined) return;
    this.#watch = undefined;
    watch(() => this.goAway());
  }

  get gone(): boolean {
    this.#watching();
    return this.#gone;
  }

  onGone(cb: () => void): () => void {
    this.#watching();
    if (this.#gone) return noop;
    (this.#listeners ??= []).push(cb);
    return () => {
      const l = this.#listeners;
      if (!l) return;
      const i = l.indexOf(cb);
      if (i >= 0) l.splice(i, 1);
    };
  }

  get signal(): AbortSignal {
    this.#watching();
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#gone) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  /** The caller went away: tell every listener once, and abort the signal if one was made. */
  goAway(): void {
    if (this.#gone) return;
    this.#gone = true;
    const l = this.#listeners;
    this.#listeners = undefined;
    if (l) for (const cb of l) cb();
    this.#controller?.abort();
  }
}

/** A ClientLink over an AbortSignal (library callers pass signals). */
export function clientLinkOf(signal: AbortSignal): ClientLink {
  return {
    get gone() {
      return signal.aborted;
    },
    onGone(cb) {
      if (signal.aborted) return noop;
      signal.addEventListener('abort', cb, { once: true });
      return () => signal.removeEventListener('abort', cb);
    },
    signal,
  };
}

function noop(): void {}

/** Either kind of cancellation a caller may hand over, as a ClientLink. */
export function asClientLink(caller: AbortSignal | ClientLink | undefined): ClientLink | undefined {
  if (caller === undefined) return undefined;
  return typeof (caller as Partial<ClientLink>).onGone === 'function' ? (caller as ClientLink) : clientLinkOf(caller as AbortSignal);
}

type AbortListener = ((this: unknown, event: { type: 'abort'; target: unknown }) => unknown) | { handleEvent(event: { type: 'abort'; target: unknown }): unknown };

/** The AbortSignal surface of LightAbortController's signal. */
class LightSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: unknown, event: { type: 'abort'; target: unknown }) => unknown) | null = null;
  #listeners: AbortListener[] | undefined;

  addEventListener(type: string, listener: AbortListener | null | undefined): void {
    if (type !== 'abort' || !listener || this.aborted) return;
    const l = (this.#listeners ??= []);
    if (!l.includes(listener)) l.push(listener);
  }

  removeEventListener(type: string, listener: AbortListener | null | undefined): void {
    const l = this.#listeners;
    if (type !== 'abort' || !listener || !l) return;
    const i = l.indexOf(listener);
    if (i >= 0) l.splice(i, 1);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const event = { type: 'abort' as const, target: this };
    const l = this.#listeners;
    this.#listeners = undefined;
    if (l) {
      for (const listener of l) {
        if (typeof listener === 'function') listener.call(this, event);
        else listener.handleEvent(event);
      }
    }
    this.onabort?.call(this, event);
  }
}

/**
 * An AbortController for one upstream attempt whose signal is a plain object with the AbortSignal surface the
 * providers' clients use (aborted, reason, onabort, add/removeEventListener('abort'), throwIfAborted) — undici
 * and the AWS SDK take any such object. Node 20's AbortSignal costs an EventTarget per attempt: measured
 * ~4 µs a request, the largest single item left on the gateway's own path. Listeners run once, in order, on
 * abort; a listener added after the abort is never called (as with addEventListener on an aborted signal).
 * Not for Node APIs that require a real AbortSignal (fetch, AbortSignal.any): none sees an attempt's signal.
 */
export class LightAbortController {
  readonly #signal = new LightSignal();

  get signal(): AbortSignal {
    return this.#signal as unknown as AbortSignal;
  }

  abort(reason?: unknown): void {
    this.#signal.fire(reason ?? new DOMException('This operation was aborted', 'AbortError'));
  }
}
