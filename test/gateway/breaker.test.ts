import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/gateway/index.js';
import { FakeClock } from '../helpers/fake-clock.js';

const opts = { failureRatio: 0.5, minRequests: 4, windowMs: 10_000, openMs: 5_000, halfOpenMaxProbes: 1 };

describe('circuit breaker', () => {
  it('stays closed until enough calls fail, then opens and rejects without calling', () => {
    const clock = new FakeClock();
    const b = new CircuitBreaker(opts, clock);
    b.onFailure();
    b.onFailure();
    b.onFailure();
    expect(b.state).toBe('closed'); // 3 < minRequests
    b.onSuccess();
    expect(b.state).toBe('closed'); // 3/4 but the ratio is checked on failure
    b.onFailure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(b.retryInMs()).toBe(5_000);
  });

  it('does not open on a low failure ratio', () => {
    const b = new CircuitBreaker(opts, new FakeClock());
    for (let i = 0; i < 10; i++) b.onSuccess();
    for (let i = 0; i < 5; i++) b.onFailure();
    expect(b.state).toBe('closed');
  });

  it('forgets failures older than the window', () => {
    const clock = new FakeClock();
    const b = new CircuitBreaker(opts, clock);
    b.onFailure();
    b.onFailure();
    b.onFailure();
    clock.advance(11_000);
    b.onFailure();
    expect(b.state).toBe('closed');
  });

  it('half-opens after openMs, lets one probe through, closes on its success', () => {
    const clock = new FakeClock();
    const b = new CircuitBreaker(opts, clock);
    for (let i = 0; i < 4; i++) b.onFailure();
    expect(b.state).toBe('open');
    clock.advance(5_000);
    expect(b.state).toBe('half_open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // one probe at a time
    b.onSuccess();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
  });

  it('re-opens when the probe fails', () => {
    const clock = new FakeClock();
    const states: string[] = [];
    const b = new CircuitBreaker(opts, clock);
    b.onStateChange = (s) => states.push(s);
    for (let i = 0; i < 4; i++) b.onFailure();
    clock.advance(5_000);
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(states).toEqual(['open', 'half_open', 'open']);
  });
});
