import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../src/core/index.js';
import type { SimulatorHandle } from '../../src/load/simulator/index.js';
import { getInvocation, listInvocations } from '../../src/store/index.js';
import { rejection } from '../helpers/caught.js';
import { HAIKU, SONNET, startBedrockSimulator } from '../helpers/bedrock-sim.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// Budgets end to end: the openai SDK → Strata's HTTP server → budget step → Bedrock provider (real AWS
// SDK) → the Bedrock simulator. Sonnet ($3/$15 per million) and Haiku ($0.25/$1.25) are priced from
// the built-in Bedrock table with the simulator's real token counts; a budget of $0.00001 is spent by
// any one Sonnet call (tens of tokens), so "spent" is reached after exactly one request.

let sim: SimulatorHandle;
const servers: RunningStrata[] = [];
const homes: string[] = [];

beforeAll(async () => {
  sim = await startBedrockSimulator();
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close();
  while (homes.length > 0) rmSync(homes.pop()!, { recursive: true, force: true });
  sim.update({ answer: { mode: 'echo' } });
  sim.reset();
});

const TINY = 0.00001;

function config(budgets: string, sonnetExtra = ''): string {
  return `
models:
  sonnet: { provider: bedrock, id: ${SONNET}, region: us-east-1, endpoint: "${sim.url}"${sonnetExtra} }
  haiku: { provider: bedrock, id: ${HAIKU}, region: us-east-1, endpoint: "${sim.url}" }
routes:
  support:
    models: [sonnet, haiku]
    retry: { maxAttempts: 1, baseMs: 1, capMs: 1 }
  solo:
    models: [sonnet]
    retry: { maxAttempts: 1, baseMs: 1, capMs: 1 }
  cached:
    models: [sonnet, haiku]
    retry: { maxAttempts: 1, baseMs: 1, capMs: 1 }
    cache: { ttlSeconds: 300 }
budgets:
${budgets}`;
}

async function start(yaml: string, env: NodeJS.ProcessEnv = {}, auth = false): Promise<RunningStrata> {
  const running = await startStrataServer(yaml, env, { auth });
  servers.push(running);
  return running;
}

function client(running: RunningStrata, opts: { key?: string; tags?: string } = {}): OpenAI {
  return new OpenAI({ baseURL: `${running.url}/v1`, apiKey: opts.key ?? 'unused', maxRetries: 0, defaultHeaders: opts.tags ? { 'x-strata-tags': opts.tags } : {} });
}

const calls = (id: string): number => sim.counts()[id]?.requests ?? 0;
const ask = (content: string) => ({ model: 'support', messages: [{ role: 'user' as const, content }] });

async function recordOf(running: RunningStrata, response: Response): Promise<InvocationRecord> {
  await running.strata.writer.flush();
  const rec = await getInvocation(running.strata.store, response.headers.get('x-strata-invocation-id')!);
  expect(rec).toBeDefined();
  return rec!;
}

/** Expects the request to be refused by the named budget with a 429 the client can act on. */
async function expectBlocked(p: Promise<unknown>, budget: string): Promise<void> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  const e = err as unknown as InstanceType<typeof OpenAI.RateLimitError>;
  expect(e.status).toBe(429);
  expect(e.code).toBe('budget_exceeded');
  expect(e.message).toContain(`Budget '${budget}' is spent`);
  // the budget resets at the next UTC midnight: at least a second, at most a day away
  const retryAfter = Number(e.headers?.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(86_400);
}

function alertLines(running: RunningStrata): { budget: string; threshold: number; spentUsd: number; level: string }[] {
  return running.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.event === 'budget_alert')
    .map((l) => ({ budget: l.budget as string, threshold: l.threshold as number, spentUsd: l.spentUsd as number, level: l.level as string }));
}

describe('budgets through the HTTP server', () => {
  it('block: once a tenant or tag budget is spent, its requests get 429 budget_exceeded; others carry on', async () => {
    const running = await start(
      config(`  acme-daily: { tenant: acme, window: day, limitUsd: ${TINY}, action: block }
  chat-daily: { tags: { feature: chat }, window: day, limitUsd: ${TINY}, action: block }`),
      {},
      true,
    );
    const acmeKey = (await running.strata.keys.create({ tenant: 'acme', role: 'invoker' })).key;
    const globexKey = (await running.strata.keys.create({ tenant: 'globex', role: 'invoker' })).key;
    const acme = client(running, { key: acmeKey, tags: 'feature=search' });
    const globexSearch = client(running, { key: globexKey, tags: 'feature=search' });
    const globexChat = client(running, { key: globexKey, tags: 'feature=chat,segment=pro' });

    const first = await acme.chat.completions.create(ask('Please repeat: acme spends its budget')).withResponse();
    expect((await recordOf(running, first.response)).costUsd).toBeGreaterThan(TINY);
    expect(calls(SONNET)).toBe(1);
    await expectBlocked(acme.chat.completions.create(ask('Please repeat: and then some more')), 'acme-daily');
    expect(calls(SONNET)).toBe(1);

    // another tenant, and a tag the other budget does not cover, are unaffected
    await globexSearch.chat.completions.create(ask('Please repeat: globex is fine'));
    await globexSearch.chat.completions.create(ask('Please repeat: globex is still fine'));
    // the tag budget counts every tenant's chat traffic together
    await globexChat.chat.completions.create(ask('Please repeat: chat spends its budget'));
    expect(calls(SONNET)).toBe(4);
    await expectBlocked(globexChat.chat.completions.create(ask('Please repeat: more chat')), 'chat-daily');
    await globexSearch.chat.completions.create(ask('Please repeat: search carries on'));
    expect(calls(SONNET)).toBe(5);

    // the refusal is recorded as such
    const raw = await fetch(`${running.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${acmeKey}` },
      body: JSON.stringify(ask('Please repeat: recorded refusal')),
    });
    expect(raw.status).toBe(429);
    expect(await raw.json()).toMatchObject({ error: { code: 'budget_exceeded', type: 'rate_limit_error' } });
    await running.strata.writer.flush();
    const refused = (await listInvocations(running.strata.store, { tenant: 'acme' })).filter((r) => r.status === 'error');
    expect(refused).toHaveLength(2);
    for (const r of refused) expect(r).toMatchObject({ errorCode: 'budget_exceeded', httpStatus: 429, attempts: 0, costUsd: null });
    expect(calls(SONNET)).toBe(5);

    const metrics = await (await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${running.adminKey!}` } })).text();
    expect(metrics).toContain('strata_budget_actions_total{budget="acme-daily",action="block"} 2');
    expect(metrics).toContain('strata_budget_actions_total{budget="chat-daily",action="block"} 1');
  });

  it('downgrade: once spent, the route is answered by its cheapest priced model and records say which budget did it', async () => {
    const running = await start(config(`  team-daily: { window: day, limitUsd: ${TINY}, action: downgrade, alerts: [] }`));
    const c = client(running);

    const first = await c.chat.completions.create(ask('Please repeat: sonnet while there is money')).withResponse();
    expect(first.response.headers.get('x-strata-model')).toBe('sonnet');
    expect((await recordOf(running, first.response)).downgradedBy).toBeNull();

    const second = await c.chat.completions.create(ask('Please repeat: haiku once it is spent')).withResponse();
    expect(second.response.headers.get('x-strata-model')).toBe('haiku');
    expect(second.data.choices[0]!.message.content).toContain('haiku once it is spent');
    const rec = await recordOf(running, second.response);
    expect(rec).toMatchObject({ modelRequested: 'support', modelAnswered: 'haiku', providerModelId: HAIKU, downgradedBy: 'team-daily', fallbacks: 0, status: 'ok' });
    // priced at Haiku's rate, and still counted
    expect(rec.costUsd).toBeCloseTo((rec.inputTokens * 0.25 + rec.outputTokens * 1.25) / 1e6, 12);

    const streamed = await c.chat.completions.create({ ...ask('Please repeat: streams are downgraded too'), stream: true }).withResponse();
    expect(streamed.response.headers.get('x-strata-model')).toBe('haiku');
    let text = '';
    for await (const chunk of streamed.data) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('streams are downgraded too');
    expect((await recordOf(running, streamed.response)).downgradedBy).toBe('team-daily');
    expect([calls(SONNET), calls(HAIKU)]).toEqual([1, 2]);

    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toContain('strata_budget_actions_total{budget="team-daily",action="downgrade"} 2');
  });

  it('downgrade to a named model: a single-model route goes to downgradeTo', async () => {
    const running = await start(config(`  solo-daily: { tags: { feature: solo }, window: day, limitUsd: ${TINY}, action: downgrade, downgradeTo: haiku }`));
    const tagged = client(running, { tags: 'feature=solo' });
    const solo = { model: 'solo', messages: [{ role: 'user' as const, content: 'Please repeat: solo' }] };
    expect((await tagged.chat.completions.create(solo).withResponse()).response.headers.get('x-strata-model')).toBe('sonnet');
    expect((await tagged.chat.completions.create(solo).withResponse()).response.headers.get('x-strata-model')).toBe('haiku');
    // untagged traffic is not under this budget
    expect((await client(running).chat.completions.create(solo).withResponse()).response.headers.get('x-strata-model')).toBe('sonnet');
  });

  it('a downgraded answer is not stored in the response cache; an earlier full-price answer is still served', async () => {
    const running = await start(config(`  team-daily: { window: day, limitUsd: ${TINY}, action: downgrade, alerts: [] }`));
    const c = client(running);
    const a = { model: 'cached', messages: [{ role: 'user' as const, content: 'Please repeat: question A' }], temperature: 0 };
    const b = { model: 'cached', messages: [{ role: 'user' as const, content: 'Please repeat: question B' }], temperature: 0 };

    const a1 = await c.chat.completions.create(a).withResponse();
    expect([a1.response.headers.get('x-strata-cache'), a1.response.headers.get('x-strata-model')]).toEqual(['miss', 'sonnet']);
    const b1 = await c.chat.completions.create(b).withResponse();
    expect([b1.response.headers.get('x-strata-cache'), b1.response.headers.get('x-strata-model')]).toEqual(['miss', 'haiku']);
    const b2 = await c.chat.completions.create(b).withResponse();
    expect([b2.response.headers.get('x-strata-cache'), b2.response.headers.get('x-strata-model')]).toEqual(['miss', 'haiku']);
    expect(calls(HAIKU)).toBe(2);

    const a2 = await c.chat.completions.create(a).withResponse();
    expect([a2.response.headers.get('x-strata-cache'), a2.response.headers.get('x-strata-model')]).toEqual(['hit', 'sonnet']);
    expect(a2.data.choices[0]!.message.content).toBe(a1.data.choices[0]!.message.content);
    expect(await recordOf(running, a2.response)).toMatchObject({ cache: 'hit', costUsd: 0, downgradedBy: null });
    expect([calls(SONNET), calls(HAIKU)]).toEqual([1, 2]);
  });

  it('alerts: one budget_alert log line and metric per threshold crossed, never repeated in the window', async () => {
    // $1 per output token and a one-token answer: every request costs exactly $1 against a $10 budget
    sim.update({ answer: { mode: 'canned', text: 'ok' } });
    const running = await start(config(`  watch: { window: day, limitUsd: 10, action: downgrade }`, ', pricing: { input: 0, output: 1000000 }'));
    const c = client(running);
    const seen: number[][] = [];
    for (let i = 1; i <= 12; i++) {
      const r = await c.chat.completions.create({ model: 'solo', messages: [{ role: 'user', content: `request ${i}` }] });
      expect(r.usage!.completion_tokens).toBe(1);
      seen.push(alertLines(running).map((a) => a.threshold));
    }
    expect(seen[3]).toEqual([]); // $4
    expect(seen[4]).toEqual([0.5]); // $5
    expect(seen[6]).toEqual([0.5]); // $7
    expect(seen[7]).toEqual([0.5, 0.8]); // $8
    expect(seen[8]).toEqual([0.5, 0.8]); // $9
    expect(seen[9]).toEqual([0.5, 0.8, 1]); // $10
    expect(seen[11]).toEqual([0.5, 0.8, 1]); // $12: past 100% the alerts are not repeated

    const alerts = alertLines(running);
    expect(alerts.map((a) => [a.budget, a.threshold, a.spentUsd])).toEqual([
      ['watch', 0.5, 5],
      ['watch', 0.8, 8],
      ['watch', 1, 10],
    ]);
    expect(alerts.map((a) => a.level)).toEqual(['warn', 'warn', 'warn']);
    // the alert says nothing of the prompt
    expect(running.logs.filter((l) => l.includes('budget_alert')).join('\n')).not.toContain('request 5');

    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toContain('strata_budget_alerts_total{budget="watch",threshold="0.5"} 1');
    expect(metrics).toContain('strata_budget_alerts_total{budget="watch",threshold="0.8"} 1');
    expect(metrics).toContain('strata_budget_alerts_total{budget="watch",threshold="1"} 1');
    expect(metrics).toMatch(/strata_budget_spend_usd\{budget="watch",scope="\*"\} 12\b/);
  });

  it('a restarted server keeps the spend it finds in the store: a blocked budget stays blocked', async () => {
    const home = mkdtempSync(join(tmpdir(), 'strata-budget-restart-'));
    homes.push(home);
    const yaml = config(`  daily: { window: day, limitUsd: ${TINY}, action: block }`);
    const before = await start(yaml, { STRATA_HOME: home });
    await client(before).chat.completions.create(ask('Please repeat: spend before the restart'));
    await expectBlocked(client(before).chat.completions.create(ask('Please repeat: blocked before')), 'daily');
    await before.close();
    servers.splice(servers.indexOf(before), 1);
    expect(calls(SONNET)).toBe(1);

    const after = await start(yaml, { STRATA_HOME: home });
    await expectBlocked(client(after).chat.completions.create(ask('Please repeat: blocked after the restart')), 'daily');
    expect(calls(SONNET)).toBe(1);
  });
});
