import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessDeniedException,
  BedrockAgentRuntimeClient,
  RerankCommand,
  ResourceNotFoundException,
  RetrieveAndGenerateCommand,
  RetrieveCommand,
  ValidationException,
} from '@aws-sdk/client-bedrock-agent-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/load/simulator/index.js';
import { HAIKU, startBedrockSimulator } from '../helpers/bedrock-sim.js';
import { spawnServe, type ServeProcess } from '../helpers/spawn-strata.js';

// The real, unchanged BedrockAgentRuntimeClient against `strata serve`: Retrieve and RetrieveAndGenerate
// at Bedrock Agent Runtime's own paths. The client authenticates with its Strata key as the session
// token of its credentials. Answers come from the local extractive model, or from a Bedrock model (the
// Bedrock-protocol simulator) named by its foundation-model ARN.

let dir: string;
let sim: SimulatorHandle;
let serve: ServeProcess;
let kbId: string;
const keys = { invoker: '', auditor: '', other: '' };

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${serve.url}${path}`, {
    method,
    headers: { ...serve.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const out = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

function client(sessionToken: string | undefined): BedrockAgentRuntimeClient {
  return new BedrockAgentRuntimeClient({
    endpoint: serve.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'strata', secretAccessKey: 'strata', ...(sessionToken === undefined ? {} : { sessionToken }) },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-kb-agent-'));
  sim = await startBedrockSimulator();
  const config = join(dir, 'strata.yaml');
  writeFileSync(
    config,
    `
models:
  local: { provider: local, id: extractive }
  hash-embed: { provider: local, id: hash-embed }
  haiku: { provider: bedrock, id: ${HAIKU}, region: us-east-1, endpoint: "${sim.url}" }
routes:
  default: { models: [local] }
`,
  );
  serve = await spawnServe(['--config', config], { STRATA_HOME: join(dir, 'home'), STRATA_DATABASE_URL: '', STRATA_CONFIG: '', STRATA_LOG_LEVEL: 'warn', STRATA_BEDROCK_ENDPOINT: sim.url });
  for (const [name, tenant, role] of [['invoker', 'default', 'invoker'], ['auditor', 'default', 'auditor'], ['other', 'globex', 'invoker']] as const) {
    keys[name] = (await api<{ key: string }>('POST', '/v1/keys', { tenant, role })).key;
  }
  kbId = (await api<{ id: string }>('POST', '/v1/knowledge-bases', { name: 'handbook' })).id;
  await api('POST', '/v1/knowledge-bases/handbook/documents', {
    documents: [
      { fileName: 'solar.txt', text: 'Solar panels convert sunlight into electricity using photovoltaic cells made of silicon.', metadata: { team: 'energy' } },
      { fileName: 'bread.md', text: '# Bread\n\nSourdough bread rises thanks to wild yeast in the starter.', metadata: { team: 'kitchen' } },
    ],
  });
}, 60_000);
afterAll(async () => {
  await serve?.stop();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('BedrockAgentRuntimeClient → strata serve', () => {
  it('Retrieve by knowledge base id (and by name) answers retrievalResults', async () => {
    const c = client(keys.invoker);
    const out = await c.send(new RetrieveCommand({ knowledgeBaseId: kbId, retrievalQuery: { text: 'photovoltaic electricity' } }));
    expect(out.retrievalResults![0]).toMatchObject({
      content: { text: expect.stringContaining('photovoltaic'), type: 'TEXT' },
      location: { type: 'CUSTOM', customDocumentLocation: { id: expect.any(String) } },
      metadata: { source: 'solar.txt', team: 'energy' },
      score: expect.any(Number),
    });
    const byName = await c.send(
      new RetrieveCommand({
        knowledgeBaseId: 'handbook',
        retrievalQuery: { text: 'yeast bread' },
        retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: 1, overrideSearchType: 'HYBRID', filter: { equals: { key: 'team', value: 'kitchen' } } } },
      }),
    );
    expect(byName.retrievalResults).toHaveLength(1);
    expect(byName.retrievalResults![0]!.metadata).toMatchObject({ source: 'bread.md' });
    c.destroy();
  });

  it('RetrieveAndGenerate answers with citations and a session that a follow-up continues', async () => {
    const c = client(keys.invoker);
    const first = await c.send(
      new RetrieveAndGenerateCommand({
        input: { text: 'How do solar panels make electricity?' },
        retrieveAndGenerateConfiguration: { type: 'KNOWLEDGE_BASE', knowledgeBaseConfiguration: { knowledgeBaseId: kbId, modelArn: 'default' } },
      }),
    );
    expect(first.sessionId).toEqual(expect.any(String));
    expect(first.output!.text).toMatch(/photovoltaic|sunlight/);
    expect(first.citations!.length).toBeGreaterThan(0);
    const cited = first.citations![0]!;
    const part = cited.generatedResponsePart!.textResponsePart!;
    expect(first.output!.text!.slice(part.span!.start, part.span!.end! + 1)).toBe(part.text);
    expect(cited.retrievedReferences![0]).toMatchObject({ content: { text: expect.any(String) }, location: { type: 'CUSTOM' }, metadata: { source: 'solar.txt' } });

    const next = await c.send(
      new RetrieveAndGenerateCommand({
        sessionId: first.sessionId,
        input: { text: 'What are the cells made of?' },
        retrieveAndGenerateConfiguration: { type: 'KNOWLEDGE_BASE', knowledgeBaseConfiguration: { knowledgeBaseId: 'handbook', modelArn: 'default' } },
      }),
    );
    expect(next.sessionId).toBe(first.sessionId);
    c.destroy();
  });

  it('RetrieveAndGenerate with a Bedrock foundation-model ARN is answered by the configured model of that id', async () => {
    const c = client(keys.invoker);
    const before = sim.counts()[HAIKU]?.requests ?? 0;
    const out = await c.send(
      new RetrieveAndGenerateCommand({
        input: { text: 'How do solar panels make electricity?' },
        retrieveAndGenerateConfiguration: {
          type: 'KNOWLEDGE_BASE',
          knowledgeBaseConfiguration: { knowledgeBaseId: kbId, modelArn: `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}` },
        },
      }),
    );
    expect(out.output!.text).not.toBe('');
    expect(sim.counts()[HAIKU]!.requests).toBe(before + 1);
    c.destroy();
  });

  it('Rerank orders sources with the local cross-scorer, or with a Bedrock rerank model', async () => {
    const c = client(keys.invoker);
    const sources = ['Sourdough bread rises thanks to wild yeast.', 'Solar panels convert sunlight into electricity.', 'Wind turbines turn moving air into electricity.'].map((text) => ({
      type: 'INLINE' as const,
      inlineDocumentSource: { type: 'TEXT' as const, textDocument: { text } },
    }));
    for (const modelArn of ['local', 'arn:aws:bedrock:us-east-1::foundation-model/amazon.rerank-v1:0']) {
      const out = await c.send(
        new RerankCommand({
          queries: [{ type: 'TEXT', textQuery: { text: 'how do solar panels make electricity' } }],
          sources,
          rerankingConfiguration: { type: 'BEDROCK_RERANKING_MODEL', bedrockRerankingConfiguration: { numberOfResults: 2, modelConfiguration: { modelArn } } },
        }),
      );
      expect(out.results, modelArn).toHaveLength(2);
      expect(out.results![0]!.index, modelArn).toBe(1);
      expect(out.results![0]!.relevanceScore!).toBeGreaterThanOrEqual(out.results![1]!.relevanceScore!);
    }
    c.destroy();
  });

  it('answers errors as the SDK’s exception classes', async () => {
    const c = client(keys.invoker);
    const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number } });

    const missing = await failure(c.send(new RetrieveCommand({ knowledgeBaseId: 'KBDOESNOTEXIST', retrievalQuery: { text: 'x' } })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);

    const tooMany = await failure(c.send(new RetrieveCommand({ knowledgeBaseId: kbId, retrievalQuery: { text: 'x' }, retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: 500 } } })));
    expect(tooMany).toBeInstanceOf(ValidationException);
    expect(tooMany!.message).toMatch(/1 to 100/);

    const unknownModel = await failure(
      c.send(new RetrieveAndGenerateCommand({ input: { text: 'x' }, retrieveAndGenerateConfiguration: { type: 'KNOWLEDGE_BASE', knowledgeBaseConfiguration: { knowledgeBaseId: kbId, modelArn: 'anthropic.claude-v9' } } })),
    );
    expect(unknownModel).toBeInstanceOf(ResourceNotFoundException);
    c.destroy();

    // another tenant's key does not see the knowledge base at all
    const other = client(keys.other);
    expect(await failure(other.send(new RetrieveCommand({ knowledgeBaseId: kbId, retrievalQuery: { text: 'solar' } })))).toBeInstanceOf(ResourceNotFoundException);
    other.destroy();

    // an auditor may not call; a signature without a Strata key identifies nobody
    const auditor = client(keys.auditor);
    expect(await failure(auditor.send(new RetrieveCommand({ knowledgeBaseId: kbId, retrievalQuery: { text: 'solar' } })))).toBeInstanceOf(AccessDeniedException);
    auditor.destroy();
    const anonymous = client(undefined);
    const refused = await failure(anonymous.send(new RetrieveCommand({ knowledgeBaseId: kbId, retrievalQuery: { text: 'solar' } })));
    expect(refused?.name).toBe('UnrecognizedClientException');
    expect(refused?.$metadata.httpStatusCode).toBe(403);
    expect(refused?.message).toMatch(/sessionToken/);
    anonymous.destroy();
  });
});
