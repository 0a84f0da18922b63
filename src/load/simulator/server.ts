import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { isStrataError } from '../../core/index.js';
import { handleBedrock, sendError as sendBedrockError } from './bedrock-protocol.js';
import type { SimulatorBehavior } from './behavior.js';
import { BodyTooLargeError, Exchange } from './exchange.js';
import { handleRerank } from './rerank-protocol.js';
import { handleApplyGuardrail } from './guardrail-protocol.js';
import { handleOpenAI } from './openai-protocol.js';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export interface ListeningServer {
  port: number;
  close(): Promise<void>;
}

/**
 * One TCP port for HTTP/1.1 and HTTP/2 cleartext (prior knowledge): each connection's first bytes
 * are peeked, the HTTP/2 preface goes to an http2 server, anything else to an http server.
 */
export async function listen(
  protocol: 'bedrock' | 'openai',
  behavior: SimulatorBehavior,
  host: string,
  port: number,
): Promise<ListeningServer> {
  const inflight = new Set<Exchange>();
  const sockets = new Set<net.Socket>();

  const onRequest = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void => {
    const ex = new Exchange(req, res);
    inflight.add(ex);
    handle(ex, protocol, behavior)
      .catch((e: unknown) => {
        if (ex.signal.aborted) return;
        if (e instanceof BodyTooLargeError) failInternal(ex, protocol, 413, e.message);
        else failInternal(ex, protocol, 500, 'The simulator failed to handle the request.');
      })
      .finally(() => inflight.delete(ex));
  };

  const h1 = http.createServer({ keepAliveTimeout: 65_000 }, onRequest);
  const h2 = http2.createServer({}, onRequest);
  // h2 sessions are torn down with their sockets on close; errors on a dead session are not ours to report
  h2.on('sessionError', () => undefined);

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let seen: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, H2_PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2 && n < H2_PREFACE.length) return; // need more bytes to decide
      socket.off('data', onData);
      socket.pause();
      socket.unshift(seen);
      (isH2 ? h2 : h1).emit('connection', socket);
      process.nextTick(() => socket.resume());
    };
    socket.on('data', onData);
  });
  tcp.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const addr = tcp.address();
  const boundPort = typeof addr === 'object' && addr !== null ? addr.port : port;

  return {
    port: boundPort,
    close: async () => {
      for (const ex of inflight) ex.abort();
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const s of sockets) s.destroy();
      h1.closeAllConnections();
      await closed;
    },
  };
}

async function handle(ex: Exchange, protocol: 'bedrock' | 'openai', behavior: SimulatorBehavior): Promise<void> {
  if (ex.path === '/_control' || ex.path === '/_control/reset') {
    await control(ex, behavior);
    return;
  }
  const served =
    protocol === 'openai' ? await handleOpenAI(ex, behavior) : (await handleBedrock(ex, behavior)) || (await handleRerank(ex, behavior)) || (await handleApplyGuardrail(ex, behavior));
  if (!served) failInternal(ex, protocol, 404, `No route for ${ex.method} ${ex.path} in the ${protocol} simulator.`);
}

function failInternal(ex: Exchange, protocol: 'bedrock' | 'openai', status: number, message: string): void {
  if (ex.headersSent) {
    ex.reset();
    return;
  }
  if (protocol === 'bedrock') {
    const name = status === 404 ? 'ResourceNotFoundException' : status < 500 ? 'ValidationException' : 'InternalServerException';
    sendBedrockError(ex, name, message);
  } else {
    ex.json(status, { error: { message, type: status < 500 ? 'invalid_request_error' : 'server_error', code: null, param: null } });
  }
}

/** GET /_control → {settings, counts}; POST /_control patches settings; POST /_control/reset. */
async function control(ex: Exchange, behavior: SimulatorBehavior): Promise<void> {
  if (ex.path === '/_control/reset') {
    if (ex.method !== 'POST') {
      ex.json(405, { error: 'Use POST /_control/reset.' });
      return;
    }
    behavior.reset();
    ex.json(200, { settings: behavior.settings(), counts: behavior.counts() });
    return;
  }
  if (ex.method === 'GET') {
    ex.json(200, { settings: behavior.settings(), counts: behavior.counts() });
    return;
  }
  if (ex.method !== 'POST') {
    ex.json(405, { error: 'Use GET or POST /_control.' });
    return;
  }
  let patch: unknown;
  try {
    patch = JSON.parse((await ex.body()).toString('utf8'));
  } catch {
    ex.json(400, { error: 'The body must be JSON: a partial simulator settings object.' });
    return;
  }
  try {
    behavior.update(patch);
  } catch (e) {
    if (!isStrataError(e)) throw e;
    ex.json(400, { error: e.message });
    return;
  }
  ex.json(200, { settings: behavior.settings(), counts: behavior.counts() });
}
