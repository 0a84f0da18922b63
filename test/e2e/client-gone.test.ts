import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listInvocations } from '../../src/store/index.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// A client that goes away while the model is still answering must stop the upstream call (the gateway hears
// it through the request's ClientLink, without an AbortSignal per request) and leave a 499 record.
let upstream: Server;
let strata: RunningStrata;
const arrivals: { req: IncomingMessage; res: ServerResponse; closed: Promise<void> }[] = [];
let arrived: (() => void) | undefined;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // held, never answered: only the caller giving up ends it
      arrivals.push({ req, res, closed: once(res, 'close').then(() => undefined) });
      arrived?.();
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const addr = upstream.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  strata = await startStrataServer(`models:\n  held: { provider: openai, id: held, endpoint: "${url}/v1" }\nroutes:\n  r: { models: [held], attemptTimeoutMs: 60000 }\n`);
});
afterAll(async () => {
  await strata.close();
  upstream.closeAllConnections();
  upstream.close();
});

describe('a client that goes away', () => {
  it('aborts the upstream call and is recorded as 499', async () => {
    const reached = new Promise<void>((r) => (arrived = r));
    const body = JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'never mind' }] });
    const client = request(`${strata.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    client.on('error', () => undefined);
    client.end(body);
    await reached;
    client.destroy();
    // the upstream sees its request closed by Strata: the attempt was aborted, not left to its 60 s timeout
    await arrivals[0]!.closed;
    expect(arrivals[0]!.res.writableEnded).toBe(false);
    let records = [] as Awaited<ReturnType<typeof listInvocations>>;
    for (let i = 0; i < 100 && records.length === 0; i++) {
      await strata.strata.writer.flush();
      records = await listInvocations(strata.strata.store, {});
      if (records.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ route: 'r', status: 'error', httpStatus: 499, attempts: 1 });
  });
});
