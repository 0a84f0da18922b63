import { describe, expect, it } from 'vitest';
import { AdaptiveThrottle } from '../../../src/gateway/limits/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** Sends `perSec` requests a second for `seconds`, evenly spaced, as far as admit() lets them through; returns how many went out. */
function send(clock: FakeClock, t: AdaptiveThrottle, perSec: number, seconds: number): number {
  const step = 1000 / perSec;
  let sent = 0;
  for (let i = 0; i < perSec * seconds; i++) {
    if (t.admit() === 0) sent++;
    clock.advance(step);
  }
  return sent;
}

describe('adaptive throttle', () => {
  it('does not limit before any throttle', () => {
    const clock = new FakeClock();
    const t = new AdaptiveThrottle({ clock });
    expect(send(clock, t, 50, 2)).toBe(100);
    t.onSuccess();
    expect(t.rateRpm).toBeUndefined();
  });

  it('lowers the limit to about half the measured send rate on a throttle', () => {
    const clock = new FakeClock();
    const t = new AdaptiveThrottle({ clock });
    send(clock, t, 10, 10); // 600 rpm
    t.onThrottled();
    expect(t.rateRpm).toBeGreaterThan(290);
    expect(t.rateRpm).toBeLessThan(310);
  });

  it('measures the real rate early on, not diluted over the whole window', () => {
    const clock = new FakeClock();
    const t = new AdaptiveThrottle({ clock });
    send(clock, t, 10, 2); // 600 rpm for 2 s of a 10 s window
    t.onThrottled();
    expect(t.rateRpm).toBeGreaterThan(290);
    expect(t.rateRpm).toBeLessThan(310);
  });

  it('counts a burst of throttles within the cooldown as one, and keeps lowering on later ones down to minRpm', () => {
    const clock = new FakeClock();
    const t = new AdaptiveThrottle({ clock, minRpm: 10 });
    send(clock, t, 10, 10);
    t.onThrottled();
    const first = t.rateRpm!;
    t.onThrottled(); // in-flight requests sent at the old rate
    t.onThrottled();
    expect(t.rateRpm).toBe(first);
    clock.advance(1000);
    t.onThrottled();
    expect(t.rateRpm).toBeCloseTo(first / 2, 6);
    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      t.onThrottled();
    }
    expect(t.rateRpm).toBe(10);
  });

  it('spaces admitted requests at the limited rate', () => {
    const clock = new FakeClock();
    const t = new AdaptiveThrottle({ clock });
    send(clock, t, 10, 10);
    t.onThrottled();
    const rpm = t.rateRpm!;
    const interval = 60_000 / rpm;
    expect(t.admit()).toBe(0);
    const wait = t.admit();
    expect(wait).toBe(Math.ceil(interval));
    clock.advance(wait - 1);
    expect(t.admit()).toBe(1);
    // a greedy caller that always waits exactly what it is told, for one minute
    let sent = 1;
    const end = clock.now() + 60_000;
    while (clock.now() < end) {
      const w = t.admit();
      if (w === 0) sent++;
      else clock.advance(w);
    }
    expect(sent).toBeGreaterThanOrEqual(Math.floor(rpm) - 1);
    expect(sent).toBeLessThanOrEqual(Math.ceil(rpm) + 1);
  });

  it('raises the limit gradually with successes over time and lifts it once far above the send rate', () => {
    const clock = new FakeClock();
    const t = new AdaptiveThrottle({ clock, recoverFraction: 0.1 });
    send(clock, t, 10, 10);
    t.onThrottled();
    const low = t.rateRpm!;
    clock.advance(1000);
    t.onSuccess();
    expect(t.rateRpm).toBeCloseTo(low * 1.1, 6); // +10% of the post-decrease limit per second
    clock.advance(4000);
    t.onSuccess();
    expect(t.rateRpm).toBeCloseTo(low * 1.5, 6);
    // demand drops to 1 request/s (60 rpm): once the limit is twice that and the window forgot the burst, it lifts
    let lifted = false;
    for (let s = 0; s < 30 && !lifted; s++) {
      send(clock, t, 1, 1);
      t.onSuccess();
      lifted = t.rateRpm === undefined;
    }
    expect(lifted).toBe(true);
    expect(send(clock, t, 50, 1)).toBe(50);
  });

  it('keeps limiting while demand saturates the limit, probing upwards', () => {
    const clock = new FakeClock();
    const t = new AdaptiveThrottle({ clock });
    send(clock, t, 10, 10);
    t.onThrottled();
    const low = t.rateRpm!;
    for (let s = 0; s < 20; s++) {
      send(clock, t, 20, 1); // demand far above the limit
      t.onSuccess();
    }
    expect(t.rateRpm).toBeDefined();
    expect(t.rateRpm!).toBeGreaterThan(low * 2.5);
  });

  it('survives a clock stepping backwards without a long stall', () => {
    const clock = new FakeClock();
    const t = new AdaptiveThrottle({ clock, cooldownMs: 0 });
    send(clock, t, 10, 10);
    t.onThrottled();
    const interval = 60_000 / t.rateRpm!;
    expect(t.admit()).toBe(0);
    clock.advance(-3_600_000);
    expect(t.admit()).toBeLessThanOrEqual(Math.ceil(interval));
    t.onSuccess(); // no negative increase
    expect(t.rateRpm).toBeGreaterThan(0);
  });

  it('rejects nonsensical options', () => {
    expect(() => new AdaptiveThrottle({ clock: new FakeClock(), decreaseFactor: 1.5 })).toThrow(/decreaseFactor/);
    expect(() => new AdaptiveThrottle({ clock: new FakeClock(), windowMs: 10 })).toThrow(/windowMs/);
  });
});
