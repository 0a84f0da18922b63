import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from '../../src/gateway/index.js';

/** One upstream request the gate holds until the test lets it through. */
export interface HeldRequest {
  /** the text of the request's last message (tests put a unique label there) */
  label: string;
  /** forwards the request to the real upstream; its answer then goes back to Strata */
  release(): void;
  /** resolves once the upstream's answer has been written back to Strata */
  readonly finished: Promise<void>;
}

/**
 * An HTTP proxy in front of an upstream (the simulator) that holds every request until the test
 * releases it, and counts how many requests are in flight at once. Holding replaces "slow upstream"
 * latencies, so concurrency tests wait on events, never on time.
 */
export class GatedUpstream {
  readonly url: string;
  /** labels in the order requests arrived */
  readonly arrivals: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly #server: ReturnType<typeof createServer>;
  readonly #unclaimed: HeldRequest[] = [];
  readonly #claimers: ((h: HeldRequest) => void)[] = [];
  readonly #held = new Set<HeldRequest>();
  #autoRelease = false;
  #tripwire: ((label: string) => void) | undefined;

  private constructor(server: ReturnType<typeof createServer>, url: string) {
    this.#server = server;
    this.url = url;
  }

  /** Starts the proxy on an ephemeral port in front of `target` (e.g. the simulator's URL). */
  static async start(target: string): Promise<GatedUpstream> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const self = new GatedUpstream(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void self.#handle(target, req, res));
    return self;
  }

  /** The next request to arrive (or the oldest one not yet claimed). */
  next(): Promise<HeldRequest> {
    const h = this.#unclaimed.shift();
    if (h) return Promise.resolve(h);
    return new Promise((resolve) => this.#claimers.push(resolve));
  }

  /**
   * Awaits `p`, failing at once if any request reaches the upstream meanwhile: for answers that must
   * come from Strata's limits alone (a broken limit then fails fast instead of hanging at the gate).
   */
  async expectNoArrival<T>(p: Promise<T>): Promise<T> {
    let trip!: (e: Error) => void;
    const tripped = new Promise<never>((_, reject) => (trip = reject));
    this.#tripwire = (label) => trip(new Error(`'${label}' reached the upstream, but Strata should have answered by itself`));
    try {
      return await Promise.race([p, tripped]);
    } finally {
      this.#tripwire = undefined;
    }
  }

  /** Lets every held request through and stops holding new ones. */
  releaseAll(): void {
    this.#autoRelease = true;
    for (const h of this.#held) h.release();
  }

  async close(): Promise<void> {
    this.releaseAll();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(target: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    let label = '';
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { messages?: { content?: unknown }[] };
      const last = parsed.messages?.at(-1)?.content;
      if (typeof last === 'string') label = last;
    } catch {
      // not a chat request: no label
    }
    this.arrivals.push(label);
    this.#tripwire?.(label);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let markFinished!: () => void;
    const finished = new Promise<void>((resolve) => (markFinished = resolve));
    const held: HeldRequest = { label, release, finished };
    this.#held.add(held);
    const claimer = this.#claimers.shift();
    if (claimer) claimer(held);
    else this.#unclaimed.push(held);
    if (this.#autoRelease) release();
    await released;
    this.#held.delete(held);
    try {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      const up = await fetch(`${target}${req.url ?? '/'}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : body });
      const out = Buffer.from(await up.arrayBuffer());
      const outHeaders: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'content-encoding' && k !== 'connection') outHeaders[k] = v;
      });
      res.writeHead(up.status, { ...outHeaders, 'content-length': String(out.length) });
      res.end(out);
    } catch {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    } finally {
      this.inFlight--;
      markFinished();
    }
  }
}

/**
 * Counts calls of gateway.chat, the library entry every HTTP request goes through. Up to the model's
 * admission queue that path is synchronous, so when `entered(n)` resolves the n-th request is queued.
 */
export function watchGatewayEntries(gateway: Gateway): { entered(n: number): Promise<void> } {
  let count = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const original = gateway.chat.bind(gateway);
  gateway.chat = (req) => {
    const p = original(req);
    count++;
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.n <= count) waiters.splice(i, 1)[0]!.resolve();
    return p;
  };
  return {
    entered: (n) => (n <= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}
