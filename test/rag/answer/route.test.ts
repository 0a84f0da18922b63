import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayChatRequest } from '../../../src/gateway/index.js';
import { NO_RELEVANT_INFORMATION } from '../../../src/rag/index.js';
import { startRagHarness, type RagHarness } from './corpus.js';

const YAML = `
models:
  local: { provider: local, id: extractive }
  hash-embed: { provider: local, id: hash-embed }
routes:
  default: { models: [local] }
  handbook:
    models: [local]
    knowledgeBase: { name: handbook, k: 3 }
  pinned:
    models: [local]
    knowledgeBase: { name: handbook, tenant: acme, mode: lexical, rerank: true }
  missing:
    models: [local]
    knowledgeBase: { name: nope }
  cached:
    models: [local]
    cache: { ttlSeconds: 600, mode: force }
    knowledgeBase: { name: handbook }
`;

let h: RagHarness;

beforeAll(async () => {
  h = await startRagHarness(YAML);
  await h.strata.knowledgeBases.create('acme', 'handbook');
  await h.strata.knowledgeBases.ingestPath('acme', 'handbook', h.docs);
});

afterAll(async () => {
  await h.close();
});

function ask(model: string, content: string, tenant = 'acme'): GatewayChatRequest {
  return { model, messages: [{ role: 'user', content }], params: {}, caller: { tenant } };
}

describe('a route with a knowledge base (routes.<name>.knowledgeBase)', () => {
  it("answers /v1/chat/completions from the caller's knowledge base, citing the numbered sources", async () => {
    const res = await h.strata.gateway.chat(ask('handbook', 'How long does express shipping take?'));
    expect(res.meta).toMatchObject({ route: 'handbook', model: 'local', attempts: 1 });
    expect(res.result.text).toMatch(/Express shipping arrives the next business day for orders placed before 2 pm\. \[\d\]/);
  });

  it('answers "no relevant information" without calling the model when nothing passes the threshold (also streamed)', async () => {
    const res = await h.strata.gateway.chat(ask('handbook', 'What is the capital of Mongolia?'));
    expect(res.result.text).toBe(NO_RELEVANT_INFORMATION);
    expect(res.meta.attempts).toBe(0);
    const stream = await h.strata.gateway.stream(ask('handbook', 'What is the capital of Mongolia?'));
    let text = '';
    for await (const c of stream.chunks) if (c.type === 'text') text += c.text;
    expect(text).toBe(NO_RELEVANT_INFORMATION);
  });

  it("searches the caller's tenant unless the route pins one", async () => {
    await expect(h.strata.gateway.chat(ask('handbook', 'How long does express shipping take?', 'globex'))).rejects.toMatchObject({ code: 'not_found', status: 404 });
    const pinned = await h.strata.gateway.chat(ask('pinned', 'How long does express shipping take?', 'globex'));
    expect(pinned.meta.attempts).toBe(1);
    expect(pinned.result.text).toMatch(/Express shipping [^.]*\. \[\d\]/);
  });

  it('an unknown knowledge base is a 404 at request time', async () => {
    await expect(h.strata.gateway.chat(ask('missing', 'anything about shipping'))).rejects.toMatchObject({ code: 'not_found', status: 404 });
  });

  it('caches by the sources: a changed document changes the cache key and the answer', async () => {
    const q = 'How long does express shipping take?';
    const first = await h.strata.gateway.chat(ask('cached', q));
    const second = await h.strata.gateway.chat(ask('cached', q));
    expect(first.meta.cache).toBe('miss');
    expect(second.meta.cache).toBe('hit');
    writeFileSync(join(h.docs, 'shipping.md'), '# Shipping\n\nExpress shipping arrives within two business days.\n');
    await h.strata.knowledgeBases.ingestPath('acme', 'handbook', h.docs);
    const third = await h.strata.gateway.chat(ask('cached', q));
    expect(third.meta.cache).toBe('miss');
    expect(third.result.text).toContain('Express shipping arrives within two business days.');
  });
});
