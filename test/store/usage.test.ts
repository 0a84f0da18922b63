import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInvocation, insertInvocations, usageSummary, type Store } from '../../src/store/index.js';
import { testEngines } from './engines.js';
import { makeRecord } from './records.js';

const engines = testEngines('usage');
afterAll(async () => {
  for (const e of engines) await e.cleanup();
});

const DAY1 = Date.UTC(2026, 10, 1); // 2026-11-01T00:00Z
const HOUR = 3_600_000;

describe.each(engines)('usage on $name', (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await engine.database().open();
    await insertInvocations(store, [
      // day 1, 10:xx — chat/pro
      makeRecord({ ts: DAY1 + 10 * HOUR + 5, tags: { feature: 'chat', segment: 'pro' }, inputTokens: 1000, outputTokens: 500, costUsd: 0.0105 }),
      makeRecord({ ts: DAY1 + 10 * HOUR + 59_000, tags: { feature: 'chat', segment: 'free' }, inputTokens: 2000, outputTokens: 100, cacheReadTokens: 10_000, cacheWriteTokens: 4000, costUsd: 0.0068 }),
      // day 1, 11:xx — a failure with no tokens, and an unpriced success
      makeRecord({ ts: DAY1 + 11 * HOUR, tags: { feature: 'chat' }, status: 'error', errorCode: 'upstream_throttled', httpStatus: 429, inputTokens: 0, outputTokens: 0, costUsd: 0 }),
      makeRecord({ ts: DAY1 + 11 * HOUR + 1, tags: { feature: 'search' }, inputTokens: 300, outputTokens: 30, costUsd: null, modelAnswered: 'gpt' }),
      // day 2 — untagged
      makeRecord({ ts: DAY1 + 24 * HOUR + 7, tags: {}, inputTokens: 10_000, outputTokens: 2000, costUsd: 0.0144, tenant: 'other' }),
    ]);
  });
  afterAll(async () => {
    await store.close();
  });

  it('round-trips cost, including null (unpriced) and tiny fractions', async () => {
    const priced = makeRecord({ costUsd: 1.23e-7 });
    const unpriced = makeRecord({ costUsd: null });
    await insertInvocations(store, [priced, unpriced]);
    expect((await getInvocation(store, priced.id))!.costUsd).toBe(1.23e-7);
    expect((await getInvocation(store, unpriced.id))!.costUsd).toBeNull();
  });

  it('groups by a tag key, records without the tag under (none)', async () => {
    const rows = await usageSummary(store, { by: ['feature'], since: DAY1, until: DAY1 + 2 * 24 * HOUR });
    expect(rows.map((r) => r.group.feature)).toEqual(['(none)', 'chat', 'search']);
    const chat = rows.find((r) => r.group.feature === 'chat')!;
    expect(chat).toMatchObject({ requests: 3, errors: 1, inputTokens: 3000, outputTokens: 600, cacheReadTokens: 10_000, cacheWriteTokens: 4000, unpricedRequests: 0 });
    expect(chat.errorRate).toBeCloseTo(1 / 3, 12);
    expect(chat.costUsd).toBeCloseTo(0.0173, 12);
    const search = rows.find((r) => r.group.feature === 'search')!;
    expect(search).toMatchObject({ requests: 1, costUsd: 0, unpricedRequests: 1 });
    expect(rows.find((r) => r.group.feature === '(none)')).toMatchObject({ requests: 1, inputTokens: 10_000 });
    expect(rows[0]!.costUsd).toBeCloseTo(0.0144, 12);
  });

  it('groups by a field and two tags together', async () => {
    const rows = await usageSummary(store, { by: ['tenant', 'feature', 'segment'], since: DAY1, until: DAY1 + 2 * 24 * HOUR });
    expect(rows.map((r) => [r.group.tenant, r.group.feature, r.group.segment, r.requests])).toEqual([
      ['acme', 'chat', '(none)', 1],
      ['acme', 'chat', 'free', 1],
      ['acme', 'chat', 'pro', 1],
      ['acme', 'search', '(none)', 1],
      ['other', '(none)', '(none)', 1],
    ]);
  });

  it('buckets by hour and by day (UTC), honouring since/until', async () => {
    const hours = await usageSummary(store, { granularity: 'hour', since: DAY1, until: DAY1 + 24 * HOUR });
    expect(hours.map((r) => [r.bucket, r.requests, r.inputTokens])).toEqual([
      ['2026-11-01T10:00:00.000Z', 2, 3000],
      ['2026-11-01T11:00:00.000Z', 2, 300],
    ]);
    expect(hours[0]!.costUsd).toBeCloseTo(0.0173, 12);
    expect(hours[1]).toMatchObject({ errors: 1, errorRate: 0.5, unpricedRequests: 1, costUsd: 0 });

    const days = await usageSummary(store, { granularity: 'day', by: ['model'], since: DAY1, until: DAY1 + 2 * 24 * HOUR });
    expect(days.map((r) => [r.bucket, r.group.model, r.requests])).toEqual([
      ['2026-11-01T00:00:00.000Z', 'gpt', 1],
      ['2026-11-01T00:00:00.000Z', 'sonnet', 3],
      ['2026-11-02T00:00:00.000Z', 'sonnet', 1],
    ]);
  });

  it('returns no rows for an empty period and totals without grouping', async () => {
    expect(await usageSummary(store, { since: DAY1 - 10 * HOUR, until: DAY1 })).toEqual([]);
    const [total] = await usageSummary(store, { since: DAY1, until: DAY1 + 2 * 24 * HOUR });
    expect(total).toMatchObject({ group: {}, requests: 5, errors: 1, inputTokens: 13_300, outputTokens: 2630, unpricedRequests: 1 });
    expect(total!.costUsd).toBeCloseTo(0.0317, 12);
  });

  it('refuses group names that are neither fields nor valid tag keys, before any SQL', async () => {
    await expect(usageSummary(store, { by: ["feature') --"] })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining("Cannot group usage by 'feature') --'") });
    await expect(usageSummary(store, { by: ['Feature'] })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
