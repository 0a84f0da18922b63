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

  get gone(): boolean {
    return this.#gone;
  }

  onGone(cb: () => void): () => void {
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
