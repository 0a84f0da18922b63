import { BedrockAgentRuntimeClient, RerankCommand, type RerankCommandInput } from '@aws-sdk/client-bedrock-agent-runtime';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { simulateOptionsFromFlags, type SimulatorHandle } from '../../src/load/simulator/index.js';
import { BedrockReranker, closeBedrockAgentRuntimeClients } from '../../src/providers/bedrock/index.js';
import { createReranker, LexicalCrossScorer } from '../../src/rag/rerank/index.js';
import { startBedrockSimulator } from '../helpers/bedrock-sim.js';
import { caught, rejection } from '../helpers/caught.js';

const AMAZON = 'amazon.rerank-v1:0';
const COHERE = 'cohere.rerank-v3-5:0';
const arn = (id: string): string => `arn:aws:bedrock:us-west-2::foundation-model/${id}`;

const QUESTION = 'How long are invoices kept before they are deleted?';
const DOCS = [
  'The cafeteria serves lunch from noon until two.',
  'Invoices are kept for seven years, after which the retention job deletes them.',
  'Invoices invoices invoices.',
  'Backups of the invoice database run nightly and are kept for thirty days.',
];

function input(overrides: { sources?: string[]; modelArn?: string; numberOfResults?: number; nextToken?: string; queries?: string[] } = {}): RerankCommandInput {
  const numberOfResults = overrides.numberOfResults;
  return {
    queries: (overrides.queries ?? [QUESTION]).map((text) => ({ type: 'TEXT', textQuery: { text } })),
    sources: (overrides.sources ?? DOCS).map((text) => ({ type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text } } })),
    rerankingConfiguration: {
      type: 'BEDROCK_RERANKING_MODEL',
      bedrockRerankingConfiguration: { ...(numberOfResults === undefined ? {} : { numberOfResults }), modelConfiguration: { modelArn: overrides.modelArn ?? arn(AMAZON) } },
    },
    ...(overrides.nextToken === undefined ? {} : { nextToken: overrides.nextToken }),
  };
}

describe('Bedrock Agent Runtime Rerank on the simulator, with the real SDK', () => {
  let sim: SimulatorHandle;
  const clients: BedrockAgentRuntimeClient[] = [];
  const client = (transport: 'http1' | 'http2'): BedrockAgentRuntimeClient => {
    const c = new BedrockAgentRuntimeClient({
      endpoint: sim.url,
      region: 'us-west-2',
      maxAttempts: 1,
      requestHandler: transport === 'http1' ? new NodeHttpHandler() : new NodeHttp2Handler(),
    });
    clients.push(c);
    return c;
  };
  const reranker = (modelId = AMAZON): BedrockReranker => new BedrockReranker({ modelId, region: 'us-west-2', endpoint: sim.url });

  beforeAll(async () => {
    sim = await startBedrockSimulator();
  });
  afterEach(() => {
    sim.update(JSON.parse('{"fail":{},"failNext":{},"rpm":null,"rerankPageSize":null}') as object);
    sim.reset();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    closeBedrockAgentRuntimeClients();
    await sim.close();
  });

  for (const transport of ['http1', 'http2'] as const) {
    it(`RerankCommand over ${transport} ranks the answering passage first`, async () => {
      const out = await client(transport).send(new RerankCommand(input({ numberOfResults: 3 })));
      expect(out.results).toHaveLength(3);
      expect(out.results![0]!.index).toBe(1);
      expect(out.nextToken).toBeUndefined();
      const scores = out.results!.map((r) => r.relevanceScore!);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      for (const s of scores) expect(s).toBeGreaterThanOrEqual(0);
      for (const s of scores) expect(s).toBeLessThanOrEqual(1);
    });
  }

  it('scores JSON document sources and returns every source without numberOfResults', async () => {
    const req = input();
    req.sources = [
      { type: 'INLINE', inlineDocumentSource: { type: 'JSON', jsonDocument: { title: 'retention', body: 'Invoices are kept for seven years.' } } },
      { type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text: 'Lunch is at noon.' } } },
    ];
    const out = await client('http1').send(new RerankCommand(req));
    expect(out.results!.map((r) => r.index)).toEqual([0, 1]);
  });

  it('BedrockReranker gives the local cross-scorer\'s order through the simulator', async () => {
    const remote = await reranker().rerank(QUESTION, DOCS, { topN: 4 });
    const local = await new LexicalCrossScorer().rerank(QUESTION, DOCS, { topN: 4 });
    expect(remote.map((r) => r.index)).toEqual(local.map((r) => r.index));
    expect(remote[0]!.relevanceScore).toBeCloseTo(local[0]!.relevanceScore, 5);
    expect(sim.counts()[AMAZON]).toEqual({ requests: 1, throttled: 0, failed: 0, ok: 1 });
  });

  it('pages through nextToken until it has every result', async () => {
    sim.update({ rerankPageSize: 1 });
    const first = await client('http1').send(new RerankCommand(input()));
    expect(first.results).toHaveLength(1);
    expect(first.nextToken).toEqual(expect.any(String));
    const paged = await reranker().rerank(QUESTION, DOCS);
    expect(paged.map((r) => r.index)).toEqual([1, 3, 2, 0]);
    expect(sim.counts()[AMAZON]!.requests).toBe(1 + 4);
  });

  it('sends more than 1,000 documents in batches and merges them by score', async () => {
    const docs = Array.from({ length: 1001 }, (_, i) => `filler text number ${i} about lunch`);
    docs[3] = 'Invoices are kept for seven years before deletion.';
    docs[1000] = 'Invoices are deleted after they are kept for seven years.';
    const ranked = await reranker(COHERE).rerank(QUESTION, docs, { topN: 2 });
    expect(new Set(ranked.map((r) => r.index))).toEqual(new Set([3, 1000]));
    expect(sim.counts()[COHERE]!.requests).toBe(2);
  });

  it('answers invalid requests with ValidationException (400) like Bedrock', async () => {
    const c = client('http1');
    const cases: RerankCommandInput[] = [
      input({ modelArn: arn('anthropic.claude-3-haiku-20240307-v1:0') }),
      input({ modelArn: 'amazon.rerank-v1:0' }),
      input({ sources: [] }),
      input({ sources: Array.from({ length: 1001 }, () => 'x') }),
      input({ numberOfResults: 0 }),
      input({ numberOfResults: 1001 }),
      input({ queries: ['one', 'two'] }),
      input({ queries: [' '] }),
      input({ nextToken: 'not-a-token' }),
    ];
    for (const req of cases) {
      const err = await rejection(c.send(new RerankCommand(req)));
      expect(err.name, JSON.stringify(req).slice(0, 200)).toBe('ValidationException');
      expect((err.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    }
    const e = await rejection(c.send(new RerankCommand(input({ modelArn: arn('anthropic.claude-3-haiku-20240307-v1:0') }))));
    expect(String(e.message)).toMatch(/not a reranker model/);
  });

  it('maps injected throttling to a retryable StrataError with the retry-after of a quota', async () => {
    sim.update({ failNext: { ThrottlingException: 1 } });
    const thrown = await caught(reranker().rerank(QUESTION, DOCS));
    expect(thrown).toMatchObject({ code: 'upstream_throttled', status: 429, retryable: true, upstreamType: 'ThrottlingException' });

    sim.update({ rpm: 1 });
    await reranker().rerank(QUESTION, DOCS);
    const quota = await caught(reranker().rerank(QUESTION, DOCS));
    expect(quota).toMatchObject({ code: 'upstream_throttled', retryable: true });
    expect(quota.retryAfterMs).toBeGreaterThan(0);
  });

  it('maps other upstream failures and a cancelled call', async () => {
    sim.update({ failNext: { ServiceUnavailableException: 1 } });
    expect(await caught(reranker().rerank(QUESTION, DOCS))).toMatchObject({ code: 'upstream_unavailable', retryable: true });
    sim.update({ failNext: { ValidationException: 1 } });
    expect(await caught(reranker().rerank(QUESTION, DOCS))).toMatchObject({ code: 'upstream_invalid_request', retryable: false });
    const ac = new AbortController();
    ac.abort();
    expect(await caught(reranker().rerank(QUESTION, DOCS, { signal: ac.signal }))).toMatchObject({ code: 'upstream_timeout' });
  });

  it('createReranker builds a Bedrock reranker from the environment', async () => {
    const r = createReranker({ provider: 'bedrock', modelId: COHERE }, { STRATA_BEDROCK_ENDPOINT: sim.url, AWS_REGION: 'eu-central-1' });
    expect(r.name).toBe(COHERE);
    expect((r as BedrockReranker).modelArn).toBe(`arn:aws:bedrock:eu-central-1::foundation-model/${COHERE}`);
    const ranked = await r.rerank(QUESTION, DOCS, { topN: 1 });
    expect(ranked).toEqual([{ index: 1, relevanceScore: expect.any(Number) }]);
  });

  it('validates before calling: empty list, empty query, bad topN', async () => {
    expect(await reranker().rerank(QUESTION, [])).toEqual([]);
    expect(await caught(reranker().rerank('  ', DOCS))).toMatchObject({ code: 'invalid_request' });
    expect(await caught(reranker().rerank(QUESTION, DOCS, { topN: 0 }))).toMatchObject({ code: 'invalid_request' });
    expect(sim.counts()[AMAZON]).toBeUndefined();
  });

  it('takes the page size from POST /_control and from `strata simulate --rerank-page-size`', async () => {
    const res = await fetch(`${sim.url}/_control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rerankPageSize: 3 }) });
    expect(res.status).toBe(200);
    const out = await client('http1').send(new RerankCommand(input()));
    expect(out.results).toHaveLength(3);
    const bad = await fetch(`${sim.url}/_control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rerankPageSize: 0 }) });
    expect(bad.status).toBe(400);
    expect(simulateOptionsFromFlags({ protocol: 'bedrock', port: '0', host: '127.0.0.1', rerankPageSize: '2' }).settings.rerankPageSize).toBe(2);
    expect(() => simulateOptionsFromFlags({ protocol: 'bedrock', port: '0', host: '127.0.0.1', rerankPageSize: '1001' })).toThrow(/at most 1000/);
  });
});
