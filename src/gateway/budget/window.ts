/** Budget windows are UTC calendar days and months, so every replica agrees on when one starts. */
export type BudgetWindow = 'day' | 'month';

/** Epoch ms of the start of the window holding `now`. */
export function windowStart(window: BudgetWindow, now: number): number {
  const d = new Date(now);
  return window === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Epoch ms of the start of the next window (when spend starts again from zero). */
export function windowEnd(window: BudgetWindow, now: number): number {
  const d = new Date(now);
  return window === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
