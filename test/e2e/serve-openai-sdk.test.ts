import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServe, type ServeProcess } from '../helpers/spawn-strata.js';

// The `openai` npm SDK, unchanged, against the real `strata serve` process on embedded defaults.
const CANARY = 'CANARY-7f3a9c-never-log-me';
let server: ServeProcess;
let home: string;
let client: OpenAI;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'strata-serve-'));
  const config = join(home, 'strata.yaml');
  writeFileSync(config, 'server:\n  bodyLimitBytes: 65536\n');
  server = await spawnServe(['--config', config], { STRATA_HOME: home, STRATA_DATABASE_URL: '', STRATA_LOG_LEVEL: 'info' });
  // the first start on an empty store creates an admin key and prints it once: the SDK uses exactly that
  expect(server.adminKey).toMatch(/^strata-[0-9a-f]{16}-[A-Za-z0-9_-]{43}$/);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: server.adminKey!, maxRetries: 0 });
});

afterAll(async () => {
  await server?.stop();
  rmSync(home, { recursive: true, force: true });
});

const context = [
  'Context:',
  '[1] Strata routes every request through retries, fallbacks and circuit breakers.',
  '[2] The dashboard shows latency, cost and token usage per tenant.',
  '[3] Bananas are rich in potassium.',
].join('\n');

describe('strata serve with the openai SDK (local extractive model)', () => {
  it('answers a non-streamed chat completion from the context, with citations and headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'default', messages: [{ role: 'user', content: `${context}\n\nWhat does the dashboard show?` }], temperature: 0 })
      .withResponse();
    const text = data.choices[0]!.message.content!;
    expect(text).toContain('dashboard shows latency');
    expect(text).toContain('[2]');
    expect(text).not.toContain('Bananas');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage!.prompt_tokens).toBeGreaterThan(10);
    expect(data.usage!.completion_tokens).toBeGreaterThan(3);
    expect(response.headers.get('x-strata-model')).toBe('local');
    expect(response.headers.get('x-strata-attempts')).toBe('1');
    expect(response.headers.get('x-strata-invocation-id')).toMatch(/^inv_/);
    expect(response.headers.get('x-strata-cache')).toBe('bypass');
  });

  it('streams the same answer as SSE chunks ending with usage', async () => {
    const messages = [{ role: 'user' as const, content: `${context}\n\nHow are requests routed?` }];
    const whole = await client.chat.completions.create({ model: 'default', messages });
    const stream = await client.chat.completions.create({ model: 'default', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (choice?.delta.content) text += choice.delta.content;
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(text).toContain('retries, fallbacks and circuit breakers');
    expect(finish).toBe('stop');
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('says honestly what it is when there is no context', async () => {
    const r = await client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'Write me a poem about the sea.' }] });
    expect(r.choices[0]!.message.content).toMatch(/extractive/i);
  });

  it('lists routes and models, and embeds with the local hash embedder', async () => {
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['default', 'local', 'hash-embed']));
    const emb = await client.embeddings.create({ model: 'hash-embed', input: ['circuit breakers', 'circuit breaker'] });
    expect(emb.data).toHaveLength(2);
    expect(emb.data[0]!.embedding).toHaveLength(384);
    const [a, b] = emb.data.map((d) => d.embedding);
    const dot = a!.reduce((s, v, i) => s + v * b![i]!, 0);
    expect(dot).toBeGreaterThan(0.5);
  });

  it('maps bad input to OpenAI errors with the documented status', async () => {
    const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json', ...server.auth }) =>
      fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers, body });
    const invalidJson = await post('{"model": "default", "messages": [');
    expect(invalidJson.status).toBe(400);
    expect(await invalidJson.json()).toMatchObject({ error: { code: 'invalid_json', type: 'invalid_request_error' } });

    const schema = await post(JSON.stringify({ model: 'default', messages: [{ role: 'wizard', content: 'x' }] }));
    expect(schema.status).toBe(400);
    expect(await schema.json()).toMatchObject({ error: { code: 'invalid_request', param: 'messages[0].role' } });

    await expect(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });

    const big = await post(JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'x'.repeat(70_000) }] }));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'payload_too_large' } });

    const notFound = await fetch(`${server.url}/v1/nothing-here`, { headers: server.auth });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error: { code: 'not_found' } });

    const badPriority = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-strata-priority': 'urgent', ...server.auth },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(badPriority.status).toBe(400);

    // the server is still healthy after all of that
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('exposes Prometheus metrics with GenAI names', async () => {
    const body = await (await fetch(`${server.url}/metrics`)).text();
    expect(body).toContain('gen_ai_client_operation_duration_seconds_bucket');
    expect(body).toContain('gen_ai_client_token_usage_bucket');
    expect(body).toContain('strata_requests_total');
    expect(body).toContain('strata_circuit_breaker_state');
  });

  it('never writes prompt or completion text to logs or the store; drains and flushes on SIGTERM', async () => {
    const content = `${context}\n[4] The secret marker is ${CANARY}.\n\nWhat is the secret marker?`;
    const r = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content }] });
    expect(r.choices[0]!.message.content).toContain(CANARY); // the answer has it…
    const s = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content }], stream: true });
    for await (const _ of s) void _;
    const code = await server.stop('SIGTERM');
    expect(code).toBe(0);
    const out = server.output();
    expect(out).toContain('"msg":"invocation"');
    expect(out).not.toContain(CANARY); // …but no log line does
    let dbBytes = '';
    for (const f of readdirSync(home)) if (f.startsWith('strata.db')) dbBytes += readFileSync(join(home, f)).toString('latin1');
    expect(dbBytes.length).toBeGreaterThan(0);
    expect(dbBytes).not.toContain(CANARY);
    // records were flushed before exit: the store holds the invocations
    const { openStore, listInvocations } = await import('../../src/store/index.js');
    const store = await openStore({ home });
    const recs = await listInvocations(store, { limit: 100 });
    await store.close();
    expect(recs.length).toBeGreaterThanOrEqual(6);
    expect(recs.every((x) => /^[0-9a-f]{64}$/.test(x.promptHash))).toBe(true);
  });
});
