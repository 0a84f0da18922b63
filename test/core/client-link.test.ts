import { describe, expect, it } from 'vitest';
import { ClientGone, asClientLink, clientLinkOf } from '../../src/core/index.js';

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
