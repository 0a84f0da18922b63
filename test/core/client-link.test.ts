import { once } from 'node:events';
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { ClientGone, LightAbortController, asClientLink, clientLinkOf } from '../../src/core/index.js';

describe('ClientGone', () => {
  it('tells each listener once when the client goes away, except those that unsubscribed', () => {
    const client = new ClientGone();
    const heard: string[] = [];
    client.onGone(() => heard.push('a'));
    const off = client.onGone(() => heard.push('b'));
    client.onGone(() => heard.push('c'));
    off();
    expect(client.gone).toBe(false);
    client.goAway();
    client.goAway();
    expect(heard).toEqual(['a', 'c']);
    expect(client.gone).toBe(true);
  });

  it('makes its signal only when asked, aborted if the client has already gone', () => {
    const early = new ClientGone();
    const signal = early.signal;
    expect(signal.aborted).toBe(false);
    expect(early.signal).toBe(signal);
    early.goAway();
    expect(signal.aborted).toBe(true);

    const late = new ClientGone();
    late.goAway();
    expect(late.signal.aborted).toBe(true);
    // a listener added after the fact is never called
    let called = false;
    late.onGone(() => (called = true));
    expect(called).toBe(false);
  });
});

describe('clientLinkOf / asClientLink', () => {
  it('wraps an AbortSignal: gone follows it, listeners hear its abort once', () => {
    const ctrl = new AbortController();
    const link = clientLinkOf(ctrl.signal);
    let count = 0;
    link.onGone(() => count++);
    const off = link.onGone(() => count += 10);
    off();
    expect(link.gone).toBe(false);
    ctrl.abort();
    expect(link.gone).toBe(true);
    expect(count).toBe(1);
    expect(link.signal).toBe(ctrl.signal);
  });

  it('passes a ClientLink through and leaves undefined alone', () => {
    const client = new ClientGone();
    expect(asClientLink(client)).toBe(client);
    expect(asClientLink(undefined)).toBeUndefined();
    expect(asClientLink(new AbortController().signal)?.gone).toBe(false);
  });
});

describe('LightAbortController', () => {
  it('calls each listener and onabort once, in order, with the reason set; later listeners never run', () => {
    const c = new LightAbortController();
    const s = c.signal;
    const seen: string[] = [];
    const a = (): void => void seen.push(`a:${String(s.reason)}`);
    const b = { handleEvent: () => void seen.push('b') };
    const removed = (): void => void seen.push('removed');
    s.addEventListener('abort', a);
    s.addEventListener('abort', a); // the same listener once only
    s.addEventListener('abort', b);
    s.addEventListener('abort', removed);
    s.removeEventListener('abort', removed);
    s.onabort = () => void seen.push('onabort');
    expect(s.aborted).toBe(false);
    expect(() => s.throwIfAborted()).not.toThrow();
    c.abort('why');
    c.abort('again');
    expect(seen).toEqual(['a:why', 'b', 'onabort']);
    expect(s.aborted).toBe(true);
    expect(s.reason).toBe('why');
    expect(() => s.throwIfAborted()).toThrow('why');
    s.addEventListener('abort', () => seen.push('late'));
    expect(seen).not.toContain('late');
  });

  it('gives an AbortError when aborted without a reason', () => {
    const c = new LightAbortController();
    c.abort();
    expect(c.signal.reason).toMatchObject({ name: 'AbortError' });
  });

  it('aborts an undici request in flight (undici takes any signal-shaped object)', async () => {
    const server = createServer(() => undefined); // never answers
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const pool = new Pool(`http://127.0.0.1:${port}`);
    try {
      const c = new LightAbortController();
      const pending = pool.request({ method: 'GET', path: '/', signal: c.signal });
      setTimeout(() => c.abort(new Error('attempt timeout')), 20);
      await expect(pending).rejects.toThrow('attempt timeout');
    } finally {
      await pool.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
});
