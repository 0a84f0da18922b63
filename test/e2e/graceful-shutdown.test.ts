import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listInvocations, openStore } from '../../src/store/index.js';
import { spawnServe } from '../helpers/spawn-strata.js';

// An OpenAI-protocol upstream that holds each request until the test releases it, and says when one arrives.
let upstream: Server;
let upstreamUrl: string;
const held: ServerResponse[] = [];
let arrived: (() => void) | undefined;

function answer(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({
    id: 'x', object: 'chat.completion', created: 0, model: 'gated',
    choices: [{ index: 0, message: { role: 'assistant', content: 'released' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  }));
}

beforeAll(async () => {
  upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      held.push(res);
      arrived?.();
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const addr = upstream.address();
  upstreamUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => {
  upstream.closeAllConnections();
  upstream.close();
});

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, finishes the in-flight request and flushes its record', async () => {
    const home = mkdtempSync(join(tmpdir(), 'strata-drain-'));
    const config = join(home, 'strata.yaml');
    writeFileSync(config, `models:\n  gated: { provider: openai, id: gated, endpoint: "${upstreamUrl}/v1" }\nroutes:\n  r: { models: [gated], attemptTimeoutMs: 20000 }\nserver: { shutdownGraceMs: 20000 }\n`);
    const server = await spawnServe(['--config', config], { STRATA_HOME: home, STRATA_DATABASE_URL: '' });
    try {
      const reached = new Promise<void>((r) => (arrived = r));
      const inflight = fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...server.auth },
        body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'hold me' }] }),
      });
      await reached;
      const exited = server.stop('SIGTERM');
      await server.waitFor('draining: not accepting new requests');
      // a new request is turned away (refused connection or 503) while the old one is still open
      const late = await fetch(`${server.url}/healthz`).then((r) => r.status, () => 'refused');
      expect([503, 'refused']).toContain(late);
      answer(held.shift()!);
      const res = await inflight;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('released');
      expect(await exited).toBe(0);
      const store = await openStore({ home });
      const recs = await listInvocations(store, {});
      await store.close();
      expect(recs).toHaveLength(1);
      expect(recs[0]).toMatchObject({ status: 'ok', modelAnswered: 'gated', route: 'r' });
    } finally {
      for (const r of held.splice(0)) answer(r);
      await server.stop().catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
