import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientGone } from '../../src/core/index.js';
import { clientOnClose } from '../../src/server/request-common.js';

// clientOnClose watches the connection only from the first time someone asks; these check that asking late,
// early or after the answer all tell the truth about a real client.
const app = Fastify();
const seen: Record<string, boolean | undefined> = {};
let finishedLink: ClientGone | undefined;

app.post('/late', async (request, reply) => {
  // the client leaves before the gateway asks
  const socket = request.raw.socket;
  if (!socket.destroyed) await new Promise((resolve) => socket.once('close', resolve));
  seen.late = clientOnClose(reply).gone;
  return 'too late';
});
app.post('/early', async (_request, reply) => {
  const client = clientOnClose(reply);
  const left = client.gone;
  await new Promise<void>((resolve) => client.onGone(resolve));
  seen.early = !left && client.gone;
  return 'gone';
});
app.post('/answered', async (_request, reply) => {
  finishedLink = clientOnClose(reply);
  return 'ok';
});

let base = '';
beforeAll(async () => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(() => app.close());

/** Sends a POST and drops the connection after `ms`, before any answer. */
function abandon(path: string, ms: number): void {
  const req = http.request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
  req.on('error', () => undefined);
  req.end('{}');
  setTimeout(() => req.destroy(), ms);
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('clientOnClose', () => {
  it('reports a client that left before anyone asked', async () => {
    abandon('/late', 50);
    await until(() => seen.late !== undefined);
    expect(seen.late).toBe(true);
  });

  it('tells a listener added while the client was there when it leaves', async () => {
    abandon('/early', 50);
    await until(() => seen.early !== undefined);
    expect(seen.early).toBe(true);
  });

  it('never reports a client that got its answer', async () => {
    const res = await fetch(`${base}/answered`, { method: 'POST' });
    expect(await res.text()).toBe('ok');
    await new Promise((r) => setTimeout(r, 20));
    expect(finishedLink!.gone).toBe(false);
  });
});
