import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/load/simulator/index.js';
import { startBedrockSimulator } from '../helpers/bedrock-sim.js';
import { runCli } from '../helpers/spawn-strata.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// Cost attribution end to end: the openai SDK sends x-strata-tags through Strata to the Bedrock
// simulator; GET /v1/usage and `strata usage` read the priced records back.
const SONNET = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0'; // $3 / $15 per million on-demand
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0'; // $0.25 / $1.25

let sim: SimulatorHandle;
let strata: RunningStrata;

beforeAll(async () => {
  sim = await startBedrockSimulator();
  strata = await startStrataServer(`
models:
  sonnet: { provider: bedrock, id: ${SONNET}, region: us-east-1, endpoint: "${sim.url}" }
  haiku: { provider: bedrock, id: ${HAIKU}, region: us-east-1, endpoint: "${sim.url}" }
  gpt: { provider: openai, id: gpt-4o-mini, endpoint: "http://127.0.0.1:9/v1" }
routes: {}
`);
});
afterAll(async () => {
  await strata.close();
  await sim.close();
});

function client(tags?: string): OpenAI {
  return new OpenAI({ baseURL: `${strata.url}/v1`, apiKey: 'unused', maxRetries: 0, defaultHeaders: tags ? { 'x-strata-tags': tags } : {} });
}

interface UsageBody {
  data: { group: Record<string, string>; requests: number; inputTokens: number; outputTokens: number; costUsd: number; unpricedRequests: number; errors: number }[];
}

async function usage(query: string): Promise<{ status: number; body: UsageBody & { error?: { message: string } } }> {
  await strata.strata.writer.flush();
  const res = await fetch(`${strata.url}/v1/usage?${query}`);
  return { status: res.status, body: (await res.json()) as UsageBody & { error?: { message: string } } };
}

describe('cost attribution end to end', () => {
  it('records tagged, priced invocations and reports them by feature over HTTP and the CLI', async () => {
    const ask = [{ role: 'user' as const, content: 'Please repeat: cost attribution works end to end' }];
    const chatA = await client('feature=chat,segment=pro').chat.completions.create({ model: 'sonnet', messages: ask });
    const chatB = await client('feature=chat,segment=free').chat.completions.create({ model: 'haiku', messages: ask });
    const search = await client('feature=search').chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'short one' }] });
    // an unpriced model that fails upstream: recorded as an error, not as unpriced spend
    await expect(client('feature=search').chat.completions.create({ model: 'gpt', messages: ask })).rejects.toBeInstanceOf(OpenAI.APIError);

    const cost = (u: OpenAI.CompletionUsage, inPrice: number, outPrice: number): number => (u.prompt_tokens * inPrice + u.completion_tokens * outPrice) / 1e6;
    const expectedChat = cost(chatA.usage!, 3, 15) + cost(chatB.usage!, 0.25, 1.25);
    const expectedSearch = cost(search.usage!, 3, 15);
    expect(expectedChat).toBeGreaterThan(0);

    const { status, body } = await usage('by=feature');
    expect(status).toBe(200);
    const chat = body.data.find((r) => r.group.feature === 'chat')!;
    expect(chat.requests).toBe(2);
    expect(chat.inputTokens).toBe(chatA.usage!.prompt_tokens + chatB.usage!.prompt_tokens);
    expect(chat.outputTokens).toBe(chatA.usage!.completion_tokens + chatB.usage!.completion_tokens);
    expect(chat.costUsd).toBeCloseTo(expectedChat, 12);
    const searchRow = body.data.find((r) => r.group.feature === 'search')!;
    expect(searchRow).toMatchObject({ requests: 2, errors: 1, unpricedRequests: 0 });
    expect(searchRow.costUsd).toBeCloseTo(expectedSearch, 12);

    const bySegment = await usage('by=feature,segment&since=1h&granularity=day');
    expect(bySegment.body.data.map((r) => `${r.group.feature}/${r.group.segment}`)).toEqual(['chat/free', 'chat/pro', 'search/(none)']);

    const cli = await runCli(['usage', '--by', 'feature', '--since', '24h', '--json'], { env: { STRATA_HOME: strata.home, STRATA_DATABASE_URL: '' } });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const fromCli = JSON.parse(cli.stdout) as UsageBody;
    expect(fromCli.data.find((r) => r.group.feature === 'chat')!.costUsd).toBeCloseTo(expectedChat, 12);

    const table = await runCli(['usage', '--by', 'feature'], { env: { STRATA_HOME: strata.home, STRATA_DATABASE_URL: '' } });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^feature\s+requests\s+errors/m);
    expect(table.stdout).toMatch(/^chat\s+2\s+0\s/m);
  });

  it('prices a streamed answer from its final usage', async () => {
    const stream = await client('feature=streaming').chat.completions.create({
      model: 'sonnet',
      messages: [{ role: 'user', content: 'Please repeat: streams are priced too' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let u: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) if (c.usage) u = c.usage;
    expect(u!.completion_tokens).toBeGreaterThan(0);
    const { body } = await usage('by=feature');
    const row = body.data.find((r) => r.group.feature === 'streaming')!;
    expect(row).toMatchObject({ requests: 1, inputTokens: u!.prompt_tokens, outputTokens: u!.completion_tokens });
    expect(row.costUsd).toBeCloseTo((u!.prompt_tokens * 3 + u!.completion_tokens * 15) / 1e6, 12);
  });

  it('answers bad tags with a 400 that names the problem, before calling any model', async () => {
    const before = sim.counts()[SONNET]?.requests ?? 0;
    const err = await client('feature=chat,Bad Key=x').chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain("invalid key 'Bad Key'");
    const emb = await fetch(`${strata.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-strata-tags': 'a=1,a=2' }, body: JSON.stringify({ model: 'sonnet', input: 'x' }) });
    expect(emb.status).toBe(400);
    expect(sim.counts()[SONNET]?.requests ?? 0).toBe(before);
  });

  it('rejects bad usage queries with clear 400s', async () => {
    const badBy = await usage('by=feature;drop');
    expect(badBy.status).toBe(400);
    expect(badBy.body.error!.message).toContain("Cannot group usage by 'feature;drop'");
    const badSince = await usage('since=yesterday');
    expect(badSince.status).toBe(400);
    expect(badSince.body.error!.message).toContain("since 'yesterday' is not a time");
    expect((await usage('granularity=week')).status).toBe(400);
    expect((await usage('since=2026-11-02&until=2026-11-01')).status).toBe(400);
  });

  it('the CLI refuses a bad --since with a clear message', async () => {
    const run = await runCli(['usage', '--since', 'soon'], { env: { STRATA_HOME: strata.home, STRATA_DATABASE_URL: '' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--since 'soon' is not a time");
  });
});
