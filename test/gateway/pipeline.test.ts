import { describe, expect, it } from 'vitest';
import { ContentHasher, type InvocationRecord } from '../../src/core/index.js';
import { Gateway, ModelCatalog, type CatalogConfig } from '../../src/gateway/index.js';
import { GatewayMetrics, silentLogger } from '../../src/observe/index.js';
import { ScriptedModel, invalid, throttled, unavailable, type Step } from '../helpers/scripted-model.js';

function setup(scripts: Record<string, Step[]>, route: Partial<CatalogConfig['routes'][string]> = {}, equivalents: Record<string, string[]> = {}) {
  const models: CatalogConfig['models'] = {};
  const instances: Record<string, ScriptedModel> = {};
  for (const [alias, script] of Object.entries(scripts)) {
    models[alias] = { provider: 'scripted', id: `${alias}-id`, equivalents: equivalents[alias] };
    instances[alias] = new ScriptedModel(`${alias}-id`, script);
  }
  const config: CatalogConfig = {
    server: { requestDeadlineMs: 5_000 },
    models,
    routes: {
      main: { models: Object.keys(scripts).filter((a) => !a.startsWith('eq')), retry: { maxAttempts: 3, baseMs: 1, capMs: 2 }, attemptTimeoutMs: 2_000, ...route },
    },
    breaker: { failureRatio: 0.5, minRequests: 3, windowMs: 60_000, openMs: 60_000, halfOpenMaxProbes: 1 },
  };
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  const catalog = new ModelCatalog(config, (alias) => ({ chat: instances[alias] }), { metrics });
  const records: InvocationRecord[] = [];
  const sink = { failNext: 0, enqueue: (r: InvocationRecord) => void records.push(r) };
  const enqueue = (r: InvocationRecord): void => {
    if (sink.failNext > 0) {
      sink.failNext--;
      throw new Error('sink exploded');
    }
    sink.enqueue(r);
  };
  const gateway = new Gateway({ catalog, hasher: new ContentHasher('k'.repeat(32)), logger: silentLogger(), metrics, sink: { enqueue } });
  return { gateway, instances, records, metrics, sink };
}

const msg = [{ role: 'user' as const, content: 'hello there' }];

describe('gateway pipeline: retries, fallbacks, breaker', () => {
  it('retries retryable errors on the same model: two 503s then success is one answer after 3 attempts', async () => {
    const { gateway, instances, records } = setup({ a: [{ error: unavailable() }, { error: unavailable() }, { ok: 'fine' }] });
    const out = await gateway.chat({ model: 'main', messages: msg, params: {} });
    expect(out.result.text).toBe('fine');
    expect(out.meta).toMatchObject({ model: 'a', attempts: 3, fallbacks: 0 });
    expect(instances.a!.calls).toBe(3);
    gateway.flushFinished(); // records are handed on after the answer, at the end of the turn
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'ok', attempts: 3, fallbacks: 0, modelAnswered: 'a', route: 'main' });
  });

  it('falls back to the next model when the primary stays throttled', async () => {
    const { gateway, instances, records, metrics } = setup({ a: [{ error: throttled() }], b: [{ ok: 'from b' }] });
    const out = await gateway.chat({ model: 'main', messages: msg, params: {} });
    expect(out.result.text).toBe('from b');
    expect(out.meta).toMatchObject({ model: 'b', attempts: 4, fallbacks: 1 });
    expect(instances.a!.calls).toBe(3);
    gateway.flushFinished(); // records are handed on after the answer, at the end of the turn
    expect(records[0]).toMatchObject({ modelAnswered: 'b', attempts: 4, fallbacks: 1 });
    expect(await metrics.registry.getSingleMetricAsString('strata_fallbacks_total')).toContain('from="a",to="b"');
  });

  it('does not retry or fall back on a validation error', async () => {
    const { gateway, instances, records } = setup({ a: [{ error: invalid() }], b: [{ ok: 'never' }] });
    await expect(gateway.chat({ model: 'main', messages: msg, params: {} })).rejects.toMatchObject({ code: 'upstream_invalid_request', status: 400 });
    expect(instances.a!.calls).toBe(1);
    expect(instances.b!.calls).toBe(0);
    gateway.flushFinished(); // records are handed on after the answer, at the end of the turn
    expect(records[0]).toMatchObject({ status: 'error', errorCode: 'upstream_invalid_request', attempts: 1 });
  });

  it('answers 429 with a retry-after when every model is throttled', async () => {
    const { gateway } = setup({ a: [{ error: throttled() }], b: [{ error: throttled() }] });
    const err = await gateway.chat({ model: 'main', messages: msg, params: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'upstream_throttled', status: 429 });
    expect((err as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
  });

  it('times out a hung attempt and falls back', async () => {
    const { gateway, records } = setup({ a: [{ hang: true }], b: [{ ok: 'rescued' }] }, { attemptTimeoutMs: 50, retry: { maxAttempts: 1, baseMs: 1, capMs: 1 } });
    const out = await gateway.chat({ model: 'main', messages: msg, params: {} });
    expect(out.result.text).toBe('rescued');
    gateway.flushFinished(); // records are handed on after the answer, at the end of the turn
    expect(records[0]).toMatchObject({ attempts: 2, fallbacks: 1, modelAnswered: 'b' });
  });

  it('ends with deadline_exceeded when the route deadline passes', async () => {
    const { gateway } = setup({ a: [{ hang: true }] }, { attemptTimeoutMs: 1_000, deadlineMs: 60, retry: { maxAttempts: 3, baseMs: 1, capMs: 1 } });
    await expect(gateway.chat({ model: 'main', messages: msg, params: {} })).rejects.toMatchObject({ code: 'deadline_exceeded', status: 504 });
  });

  it('opens the breaker after repeated failures and skips the model without calling it', async () => {
    const { gateway, instances, metrics } = setup({ a: [{ error: unavailable() }], b: [{ ok: 'b answers' }] }, { retry: { maxAttempts: 1, baseMs: 1, capMs: 1 } });
    for (let i = 0; i < 3; i++) await gateway.chat({ model: 'main', messages: msg, params: {} });
    expect(instances.a!.calls).toBe(3);
    const out = await gateway.chat({ model: 'main', messages: msg, params: {} });
    expect(out.meta).toMatchObject({ model: 'b', attempts: 1, fallbacks: 0 });
    expect(instances.a!.calls).toBe(3);
    expect(await metrics.registry.getSingleMetricAsString('strata_circuit_breaker_state')).toContain('model="a"} 2');
  });

  it('critical requests fall back only to equivalent models', async () => {
    const { gateway, instances } = setup(
      { a: [{ error: throttled() }], b: [{ ok: 'degraded' }], eqA: [{ ok: 'equivalent' }] },
      { retry: { maxAttempts: 1, baseMs: 1, capMs: 1 } },
      { a: ['eqA'] },
    );
    const critical = await gateway.chat({ model: 'main', messages: msg, params: {}, priority: 'critical' });
    expect(critical.meta.model).toBe('eqA');
    expect(instances.b!.calls).toBe(0);
    const normal = await gateway.chat({ model: 'main', messages: msg, params: {} });
    expect(normal.meta.model).toBe('b');
  });

  it('streams: falls back before the first token, fails visibly after it without a hidden retry', async () => {
    const { gateway, instances, records } = setup(
      { a: [{ error: throttled() }, { streamThenFail: ['partial '], error: unavailable() }], b: [{ ok: 'b streamed' }] },
      { retry: { maxAttempts: 1, baseMs: 1, capMs: 1 } },
    );
    const first = await gateway.stream({ model: 'main', messages: msg, params: {} });
    expect(first.meta.model).toBe('b');
    let text = '';
    for await (const c of first.chunks) if (c.type === 'text') text += c.text;
    expect(text.trim()).toBe('b streamed');

    const second = await gateway.stream({ model: 'main', messages: msg, params: {} });
    expect(second.meta.model).toBe('a');
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const c of second.chunks) if (c.type === 'text') seen.push(c.text);
      })(),
    ).rejects.toMatchObject({ code: 'upstream_unavailable', details: { afterFirstToken: true } });
    expect(seen).toEqual(['partial ']);
    expect(instances.a!.calls).toBe(2);
    expect(instances.b!.calls).toBe(1);
    gateway.flushFinished(); // records are handed on after the answer, at the end of the turn
    expect(records.at(-1)).toMatchObject({ status: 'error', modelAnswered: 'a', stream: true });
  });

  it('unknown model or route is a 404 model_not_found', async () => {
    const { gateway } = setup({ a: [{ ok: 'x' }] });
    await expect(gateway.chat({ model: 'nope', messages: msg, params: {} })).rejects.toMatchObject({ code: 'model_not_found', status: 404 });
  });

  it('hands records on after the answer, at the end of the turn; a failing sink loses only its own record', async () => {
    const { gateway, records, sink } = setup({ a: [{ ok: 'one' }, { ok: 'two' }, { ok: 'three' }] });
    sink.failNext = 1;
    await Promise.all([1, 2, 3].map(() => gateway.chat({ model: 'main', messages: msg, params: {} })));
    // not yet: the answers went out first
    expect(records).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    // the first record's sink call threw (logged, not thrown out of the event loop); the others arrived
    expect(records).toHaveLength(2);
    expect(records.every((r) => r.status === 'ok')).toBe(true);
  });

  it('records hashes, never content', async () => {
    const { gateway, records } = setup({ a: [{ ok: 'SECRET-OUTPUT-123' }] });
    await gateway.chat({ model: 'main', messages: [{ role: 'user', content: 'CANARY-PROMPT-987' }], params: {} });
    gateway.flushFinished(); // records are handed on after the answer, at the end of the turn
    const json = JSON.stringify(records);
    expect(json).not.toContain('CANARY-PROMPT-987');
    expect(json).not.toContain('SECRET-OUTPUT-123');
    expect(records[0]!.promptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(records[0]!.outputHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
