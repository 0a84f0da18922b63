import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants as h2constants, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export type Headers = Record<string, string>;

/**
 * One request/response pair, the same for HTTP/1.1 and HTTP/2, so the protocol handlers never need
 * to know how the client connected.
 */
export class Exchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** aborted when the client goes away or the simulator closes */
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();

  constructor(
    private readonly req: IncomingMessage | Http2ServerRequest,
    private readonly res: ServerResponse | Http2ServerResponse,
  ) {
    this.method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.path = q < 0 ? url : url.slice(0, q);
    this.query = q < 0 ? '' : url.slice(q + 1);
    this.signal = this.controller.signal;
    res.once('close', () => {
      if (!res.writableFinished) this.controller.abort();
    });
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  /**
   * The injected failures that are about the transport, not the protocol: `Hang` holds the request until
   * the client (or the simulator) gives up, `ConnectionReset` drops the connection. True when it handled one.
   */
  async transportFailure(type: string): Promise<boolean> {
    if (type === 'Hang') {
      await new Promise<void>((resolve) => {
        if (this.signal.aborted) resolve();
        else this.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return true;
    }
    if (type === 'ConnectionReset') {
      this.reset();
      return true;
    }
    return false;
  }

  /** Aborts the in-flight work (used when the simulator closes). */
  abort(): void {
    this.controller.abort();
  }

  /** The request body; rejects with a 413 note when it is too large. */
  body(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let size = 0;
      this.req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          reject(new BodyTooLargeError());
          this.req.removeAllListeners('data');
          this.req.resume();
          return;
        }
        parts.push(chunk);
      });
      this.req.once('end', () => resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts)));
      this.req.once('error', reject);
    });
  }

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  /** Starts a response with status and headers. */
  start(status: number, headers: Headers): void {
    if (this.signal.aborted) return;
    (this.res as ServerResponse).writeHead(status, headers);
  }

  write(data: string | Uint8Array): void {
    if (this.signal.aborted) return;
    (this.res as ServerResponse).write(data);
  }

  end(data?: string | Uint8Array): void {
    if (this.signal.aborted) return;
    if (data === undefined) this.res.end();
    else (this.res as ServerResponse).end(data);
  }

  /** Sends a complete JSON response. */
  json(status: number, body: unknown, headers: Headers = {}): void {
    const text = JSON.stringify(body);
    this.start(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    this.end(text);
  }

  /**
   * Sends what was written so far, then breaks the response off: HTTP/1.1 closes the socket before
   * the chunked body's terminator, HTTP/2 resets the stream once the data frames are out.
   */
  breakOff(): void {
    const res = this.res;
    if ('stream' in res) {
      res.stream.write('', () => res.stream.close(h2constants.NGHTTP2_INTERNAL_ERROR));
    } else {
      res.socket?.end();
    }
    this.controller.abort();
  }

  /** Ends the exchange without a proper answer: the socket (HTTP/1.1) or the stream (HTTP/2) is reset. */
  reset(): void {
    const res = this.res;
    if ('stream' in res) {
      res.stream.close(h2constants.NGHTTP2_INTERNAL_ERROR);
    } else {
      // RST rather than FIN: the client sees ECONNRESET, as with a real dropped connection.
      res.socket?.resetAndDestroy();
    }
    this.controller.abort();
  }
}

export class BodyTooLargeError extends Error {
  constructor() {
    super(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
  }
}
