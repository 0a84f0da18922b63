import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observe/index.js';
import { buildServer } from '../../src/server/app.js';
import { createStrata, type Strata } from '../../src/strata.js';

// /v1/knowledge-bases end to end: the real fastify server with auth on, a real Strata (SQLite, local
// models) behind it, driven with fetch and API keys of several roles and tenants.
const CONFIG = `
models:
  local: { provider: local, id: extractive }
  hash-embed: { provider: local, id: hash-embed }
routes:
  default: { models: [local] }
`;

interface ErrorBody {
  error: { message: string; type: string; code: string };
}
interface RetrieveBody {
  retrievalResults: { content: { text: string; type: string }; location: { type: string; customDocumentLocation: { id: string } }; metadata: Record<string, unknown>; score: number }[];
}
interface AnswerBody {
  sessionId: string;
  output: { text: string };
  citations: { generatedResponsePart: { textResponsePart: { text: string; span: { start: number; end: number } } }; retrievedReferences: { content: { text: string }; metadata: Record<string, unknown> }[] }[];
}

let strata: Strata;
let app: FastifyInstance;
let home: string;
let url: string;
const keys: Record<'admin' | 'dev' | 'invoker' | 'auditor' | 'otherDev' | 'otherInvoker', string> = { admin: '', dev: '', invoker: '', auditor: '', otherDev: '', otherInvoker: '' };

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'strata-kb-http-'));
  strata = await createStrata({
    config: parseConfig(CONFIG, 'test config'),
    env: { ...process.env, STRATA_HOME: home, STRATA_DATABASE_URL: '' },
    logger: createLogger({ level: process.env.KB_TEST_LOG ?? 'silent' }),
    processMetrics: false,
  });
  const make = async (tenant: string, role: 'admin' | 'developer' | 'invoker' | 'auditor') => (await strata.keys.create({ tenant, role })).key;
  keys.admin = await make('default', 'admin');
  keys.dev = await make('acme', 'developer');
  keys.invoker = await make('acme', 'invoker');
  keys.auditor = await make('acme', 'auditor');
  keys.otherDev = await make('globex', 'developer');
  keys.otherInvoker = await make('globex', 'invoker');
  app = buildServer({
    gateway: strata.gateway,
    logger: strata.logger,
    store: strata.store,
    keys: strata.keys,
    bodyLimitBytes: strata.config.server.bodyLimitBytes,
    knowledgeBases: strata.knowledgeBases,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await app.close();
  await strata.close();
  rmSync(home, { recursive: true, force: true });
});

interface Call<T> {
  status: number;
  headers: Headers;
  body: T;
}

async function call<T = unknown>(method: string, path: string, key: string | undefined, body?: unknown, raw?: string): Promise<Call<T>> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

const DOCUMENTS = [
  { fileName: 'solar.txt', text: 'Solar panels convert sunlight into electricity using photovoltaic cells. The cells are made of silicon.' },
  { fileName: 'guides/bread.md', text: '# Bread\n\nSourdough bread rises thanks to wild yeast living in the starter.', metadata: { team: 'kitchen', year: 2024 } },
  { fileName: 'broken.pdf', content: Buffer.from('this is not a pdf at all').toString('base64') },
  { fileName: 'wind.html', content: Buffer.from('<html><body><p>Wind turbines turn moving air into electricity.</p><script>var x=1</script></body></html>').toString('base64') },
];

describe('/v1/knowledge-bases', () => {
  let kbId: string;

  it('creates a knowledge base with its recorded config, and refuses a second one by the same name', async () => {
    const created = await call<{ id: string; name: string; tenant: string; config: { embeddingModel: string; chunking: { strategy: string; maxTokens: number } } }>('POST', '/v1/knowledge-bases', keys.dev, {
      name: 'handbook',
      config: { chunking: { strategy: 'fixed', maxTokens: 200 } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'handbook', tenant: 'acme', config: { embeddingModel: 'hash-embed', chunking: { strategy: 'fixed', maxTokens: 200 } } });
    kbId = created.body.id;

    const again = await call<ErrorBody>('POST', '/v1/knowledge-bases', keys.dev, { name: 'handbook' });
    expect(again.status).toBe(409);

    const badConfig = await call<ErrorBody>('POST', '/v1/knowledge-bases', keys.dev, { name: 'x', config: { chunking: { strategy: 'magic' } } });
    expect(badConfig.status).toBe(400);
    expect(badConfig.body.error.message).toMatch(/strategy/);
  });

  it('lists and gets by name or id', async () => {
    const list = await call<{ data: { name: string }[] }>('GET', '/v1/knowledge-bases', keys.dev);
    expect(list.status).toBe(200);
    expect(list.body.data.map((k) => k.name)).toEqual(['handbook']);
    expect((await call<{ id: string }>('GET', '/v1/knowledge-bases/handbook', keys.dev)).body.id).toBe(kbId);
    expect((await call<{ name: string }>('GET', `/v1/knowledge-bases/${kbId}`, keys.dev)).body.name).toBe('handbook');
  });

  it('ingests uploaded documents: a broken file is reported and the rest are indexed', async () => {
    const up = await call<{ documents: number; chunks: number; skipped: { path: string; reason: string }[] }>('POST', '/v1/knowledge-bases/handbook/documents', keys.dev, { documents: DOCUMENTS });
    expect(up.status).toBe(200);
    expect(up.body.documents).toBe(3);
    expect(up.body.chunks).toBeGreaterThanOrEqual(3);
    expect(up.body.skipped).toHaveLength(1);
    expect(up.body.skipped[0]).toMatchObject({ path: 'broken.pdf', reason: expect.any(String) });

    const docs = await call<{ data: { id: string; file_name: string; chunks: number }[] }>('GET', '/v1/knowledge-bases/handbook/documents', keys.dev);
    expect(docs.body.data.map((d) => d.file_name).sort()).toEqual(['guides/bread.md', 'solar.txt', 'wind.html']);

    const bad = await call<ErrorBody>('POST', '/v1/knowledge-bases/handbook/documents', keys.dev, { documents: [{ fileName: '../etc/passwd', text: 'x' }] });
    expect(bad.status).toBe(400);
    const both = await call<ErrorBody>('POST', '/v1/knowledge-bases/handbook/documents', keys.dev, { documents: [{ fileName: 'a.txt', text: 'x', content: 'eA==' }] });
    expect(both.status).toBe(400);
  });

  it('retrieves in Bedrock Retrieve shapes: numberOfResults, search type, filter, reranking', async () => {
    const r = await call<RetrieveBody>('POST', '/v1/knowledge-bases/handbook/retrieve', keys.invoker, { retrievalQuery: { text: 'photovoltaic solar electricity' } });
    expect(r.status).toBe(200);
    expect(r.body.retrievalResults[0]).toMatchObject({
      content: { text: expect.stringContaining('photovoltaic'), type: 'TEXT' },
      location: { type: 'CUSTOM', customDocumentLocation: { id: expect.any(String) } },
      metadata: { source: 'solar.txt' },
      score: expect.any(Number),
    });

    const one = await call<RetrieveBody>('POST', `/v1/knowledge-bases/${kbId}/retrieve`, keys.invoker, {
      retrievalQuery: { text: 'electricity' },
      retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: 1, overrideSearchType: 'SEMANTIC' } },
    });
    expect(one.body.retrievalResults).toHaveLength(1);

    const filtered = await call<RetrieveBody>('POST', '/v1/knowledge-bases/handbook/retrieve', keys.invoker, {
      retrievalQuery: { text: 'bread electricity' },
      retrievalConfiguration: { vectorSearchConfiguration: { filter: { andAll: [{ equals: { key: 'team', value: 'kitchen' } }, { greaterThanOrEquals: { key: 'year', value: 2020 } }] } } },
    });
    expect(filtered.body.retrievalResults.length).toBeGreaterThan(0);
    expect(filtered.body.retrievalResults.every((x) => x.metadata.team === 'kitchen')).toBe(true);

    const reranked = await call<RetrieveBody>('POST', '/v1/knowledge-bases/handbook/retrieve', keys.invoker, {
      retrievalQuery: { text: 'wind turbines' },
      retrievalConfiguration: {
        vectorSearchConfiguration: {
          numberOfResults: 3,
          rerankingConfiguration: { type: 'BEDROCK_RERANKING_MODEL', bedrockRerankingConfiguration: { modelConfiguration: { modelArn: 'local' }, numberOfRerankedResults: 1 } },
        },
      },
    });
    expect(reranked.status).toBe(200);
    expect(reranked.body.retrievalResults).toHaveLength(1);
    expect(reranked.body.retrievalResults[0]!.metadata.source).toBe('wind.html');
  });

  it('answers with retrieve-and-generate in Bedrock shapes, with citations into the answer and a session to continue', async () => {
    const a = await call<AnswerBody>('POST', '/v1/knowledge-bases/handbook/retrieve-and-generate', keys.invoker, { input: { text: 'How do solar panels make electricity?' } });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.status).toBe(200);
    expect(a.body.sessionId).toEqual(expect.any(String));
    expect(a.body.output.text).toMatch(/photovoltaic|sunlight/);
    expect(a.body.citations.length).toBeGreaterThan(0);
    for (const c of a.body.citations) {
      const { text, span } = c.generatedResponsePart.textResponsePart;
      expect(a.body.output.text.slice(span.start, span.end + 1)).toBe(text);
      expect(c.retrievedReferences.length).toBeGreaterThan(0);
    }
    expect(a.body.citations.flatMap((c) => c.retrievedReferences.map((r) => r.metadata.source))).toContain('solar.txt');
    expect(a.headers.get('x-strata-prompt')).toEqual(expect.any(String));

    const next = await call<AnswerBody>('POST', '/v1/knowledge-bases/handbook/retrieve-and-generate', keys.invoker, {
      input: { text: 'What are the cells made of?' },
      sessionId: a.body.sessionId,
      retrieveAndGenerateConfiguration: { type: 'KNOWLEDGE_BASE', knowledgeBaseConfiguration: { knowledgeBaseId: kbId, modelArn: 'default' } },
    });
    expect(next.status).toBe(200);
    expect(next.body.sessionId).toBe(a.body.sessionId);
  });

  it('maps modelArn to a configured model and says so when none matches', async () => {
    const unknown = await call<ErrorBody>('POST', '/v1/knowledge-bases/handbook/retrieve-and-generate', keys.invoker, {
      input: { text: 'solar?' },
      retrieveAndGenerateConfiguration: { type: 'KNOWLEDGE_BASE', knowledgeBaseConfiguration: { knowledgeBaseId: 'handbook', modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v9' } },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('model_not_found');
    const other = await call<ErrorBody>('POST', '/v1/knowledge-bases/handbook/retrieve-and-generate', keys.invoker, {
      input: { text: 'solar?' },
      retrieveAndGenerateConfiguration: { type: 'KNOWLEDGE_BASE', knowledgeBaseConfiguration: { knowledgeBaseId: 'some-other-kb', modelArn: 'default' } },
    });
    expect(other.status).toBe(404);
  });

  it('refuses malformed and unsupported requests with 400 and a reason', async () => {
    const cases: [string, unknown, string | undefined, RegExp][] = [
      ['/v1/knowledge-bases/handbook/retrieve', undefined, '{"retrievalQuery": ', /not valid JSON/],
      ['/v1/knowledge-bases/handbook/retrieve', { retrievalQuery: {} }, undefined, /retrievalQuery\.text/],
      ['/v1/knowledge-bases/handbook/retrieve', { retrievalQuery: { text: 'x' }, retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: 500 } } }, undefined, /1 to 100/],
      ['/v1/knowledge-bases/handbook/retrieve', { retrievalQuery: { text: 'x' }, retrievalConfiguration: { vectorSearchConfiguration: { filter: { equals: { key: 'team' } } } } }, undefined, /filter/],
      ['/v1/knowledge-bases/handbook/retrieve', { retrievalQuery: { text: 'x' }, retrievalConfiguration: { vectorSearchConfiguration: { overrideSearchType: 'FUZZY' } } }, undefined, /HYBRID or SEMANTIC/],
      ['/v1/knowledge-bases/handbook/retrieve', { retrievalQuery: { text: 'x' }, guardrailConfiguration: { guardrailId: 'g', guardrailVersion: '1' } }, undefined, /guardrail/],
      ['/v1/knowledge-bases/handbook/retrieve-and-generate', { input: { text: 'x' }, retrieveAndGenerateConfiguration: { type: 'EXTERNAL_SOURCES' } }, undefined, /KNOWLEDGE_BASE/],
      ['/v1/knowledge-bases/handbook/retrieve-and-generate', { input: { text: 'x' }, sessionId: 'no spaces allowed' }, undefined, /sessionId/],
    ];
    for (const [path, body, raw, message] of cases) {
      const r = await call<ErrorBody>('POST', path, keys.invoker, body, raw);
      expect(r.status, JSON.stringify(body ?? raw)).toBe(400);
      expect(r.body.error.message).toMatch(message);
    }
  });

  it('lets invokers ask but not manage, developers manage their own tenant, and hides other tenants as 404', async () => {
    expect((await call('POST', '/v1/knowledge-bases', keys.invoker, { name: 'mine' })).status).toBe(403);
    expect((await call('GET', '/v1/knowledge-bases', keys.invoker)).status).toBe(403);
    expect((await call('POST', '/v1/knowledge-bases/handbook/documents', keys.invoker, { documents: DOCUMENTS })).status).toBe(403);
    expect((await call('POST', '/v1/knowledge-bases/handbook/retrieve', keys.auditor, { retrievalQuery: { text: 'x' } })).status).toBe(403);
    expect((await call('GET', '/v1/knowledge-bases', undefined)).status).toBe(401);

    for (const ref of ['handbook', kbId]) {
      expect((await call('GET', `/v1/knowledge-bases/${ref}`, keys.otherDev)).status).toBe(404);
      expect((await call('GET', `/v1/knowledge-bases/${ref}/documents`, keys.otherDev)).status).toBe(404);
      expect((await call('DELETE', `/v1/knowledge-bases/${ref}`, keys.otherDev)).status).toBe(404);
      expect((await call('POST', `/v1/knowledge-bases/${ref}/retrieve`, keys.otherInvoker, { retrievalQuery: { text: 'solar' } })).status).toBe(404);
      expect((await call('POST', `/v1/knowledge-bases/${ref}/retrieve-and-generate`, keys.otherInvoker, { input: { text: 'solar' } })).status).toBe(404);
    }
    expect((await call<{ data: unknown[] }>('GET', '/v1/knowledge-bases', keys.otherDev)).body.data).toEqual([]);
    // a developer may not reach into another tenant with ?tenant=; an admin may
    expect((await call('GET', '/v1/knowledge-bases?tenant=acme', keys.otherDev)).status).toBe(403);
    expect((await call<{ data: { name: string }[] }>('GET', '/v1/knowledge-bases?tenant=acme', keys.admin)).body.data.map((k) => k.name)).toEqual(['handbook']);
  });

  it('deletes a document, then the knowledge base', async () => {
    const docs = await call<{ data: { id: string; file_name: string }[] }>('GET', '/v1/knowledge-bases/handbook/documents', keys.dev);
    const solar = docs.body.data.find((d) => d.file_name === 'solar.txt')!;
    expect((await call('DELETE', `/v1/knowledge-bases/handbook/documents/${solar.id}`, keys.dev)).status).toBe(200);
    expect((await call('DELETE', `/v1/knowledge-bases/handbook/documents/${solar.id}`, keys.dev)).status).toBe(404);
    const after = await call<RetrieveBody>('POST', '/v1/knowledge-bases/handbook/retrieve', keys.invoker, { retrievalQuery: { text: 'photovoltaic' } });
    expect(after.body.retrievalResults.map((r) => r.metadata.source)).not.toContain('solar.txt');

    const del = await call<{ deleted: boolean; id: string }>('DELETE', '/v1/knowledge-bases/handbook', keys.dev);
    expect(del.body).toMatchObject({ deleted: true, id: kbId });
    expect((await call('GET', '/v1/knowledge-bases/handbook', keys.dev)).status).toBe(404);
  });
});
