import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NO_RELEVANT_INFORMATION, type KnowledgeBaseService } from '../../src/rag/index.js';
import { expectCitationsReal, startRagHarness, type RagHarness } from './answer/corpus.js';

let h: RagHarness;
let kb: KnowledgeBaseService;

beforeAll(async () => {
  h = await startRagHarness();
  kb = h.strata.knowledgeBases;
  await kb.create('acme', 'handbook');
  const summary = await kb.ingestPath('acme', 'handbook', h.docs);
  expect(summary.documents).toBe(3);
});

afterAll(async () => {
  await h.close();
});

describe('KnowledgeBaseService: knowledge bases and documents', () => {
  it('gets a knowledge base by name or id, only in its own tenant', async () => {
    const byName = await kb.get('acme', 'handbook');
    expect(await kb.get('acme', byName.id)).toMatchObject({ name: 'handbook', documents: 3 });
    await expect(kb.get('globex', 'handbook')).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(kb.get('globex', byName.id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await kb.list('acme')).map((k) => k.name)).toEqual(['handbook']);
    expect(await kb.list('globex')).toEqual([]);
  });

  it('ingests uploaded documents, lists and deletes them', async () => {
    await kb.create('acme', 'uploads');
    const summary = await kb.ingestDocuments('acme', 'uploads', [{ fileName: 'notes/hello.txt', content: Buffer.from('Hello from an uploaded note about printers.') }]);
    expect(summary.documents).toBe(1);
    const docs = await kb.listDocuments('acme', 'uploads');
    expect(docs).toHaveLength(1);
    await kb.deleteDocument('acme', 'uploads', docs[0]!.docId);
    expect(await kb.listDocuments('acme', 'uploads')).toEqual([]);
    await kb.delete('acme', 'uploads');
    await expect(kb.get('acme', 'uploads')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('KnowledgeBaseService.retrieve', () => {
  it('returns at most k results in Bedrock Retrieve shape, best first', async () => {
    const results = await kb.retrieve({ tenant: 'acme', knowledgeBase: 'handbook', query: 'express shipping', k: 2 });
    expect(results.length).toBeLessThanOrEqual(2);
    expect(results[0]!.location.customDocumentLocation.id).toBeTruthy();
    expect(results[0]!.content.text).toContain('Express shipping');
    expect(results[0]!.content.type).toBe('TEXT');
  });

  it('reranks a candidate pool with the local cross-scorer and reports its scores', async () => {
    const results = await kb.retrieve({ tenant: 'acme', knowledgeBase: 'handbook', query: 'laptop warranty defects', k: 3, rerank: { model: 'local', topN: 2 } });
    expect(results).toHaveLength(2);
    expect(results[0]!.content.text).toContain('two-year limited warranty');
    for (const r of results) expect(r.score).toBeGreaterThanOrEqual(0);
    expect(results[0]!.score).toBeGreaterThanOrEqual(results[1]!.score);
    expect(results[0]!.score).toBeLessThanOrEqual(1);
  });

  it('rejects numberOfResults outside 1–100 and an unknown reranker', async () => {
    await expect(kb.retrieve({ tenant: 'acme', knowledgeBase: 'handbook', query: 'x', k: 101 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(kb.retrieve({ tenant: 'acme', knowledgeBase: 'handbook', query: 'shipping', rerank: { model: 'nonsense reranker' } })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('KnowledgeBaseService.retrieveAndGenerate with the local extractive model', () => {
  it('answers from the sources with citations whose spans and references are real', async () => {
    const question = 'How long does express shipping take?';
    const answer = await kb.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: question });
    const retrieved = await kb.retrieve({ tenant: 'acme', knowledgeBase: 'handbook', query: question });
    expect(answer.noRelevantResults).toBe(false);
    expect(answer.output.text).toContain('Express shipping arrives the next business day');
    expect(answer.output.text).not.toMatch(/\[\d+\]/);
    expect(answer.prompt).toBe('bundled:rag-answer');
    expect(answer.model).toBe('local');
    expect(answer.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.citations.length).toBeGreaterThan(0);
    expectCitationsReal(answer, retrieved, expect);
    expect(answer.citations[0]!.retrievedReferences[0]!.metadata.source).toBe('shipping.md');
  });

  it('says there is no relevant information, without calling a model, when nothing passes the threshold', async () => {
    const chat = vi.spyOn(h.strata.gateway, 'chat');
    try {
      const answer = await kb.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: 'What is the capital of Mongolia?' });
      expect(answer).toMatchObject({ noRelevantResults: true, output: { text: NO_RELEVANT_INFORMATION }, citations: [] });
      expect(answer.model).toBeUndefined();
      expect(chat).not.toHaveBeenCalled();
    } finally {
      chat.mockRestore();
    }
  });

  it('minRelevance 0 turns the check off', async () => {
    const answer = await kb.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: 'What is the capital of Mongolia?', minRelevance: 0 });
    expect(answer.noRelevantResults).toBe(false);
    expect(answer.model).toBe('local');
  });
});

describe('sessions', () => {
  it('a follow-up is answered with the conversation: the previous question completes it', async () => {
    const first = await kb.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: 'How long does express shipping take?' });
    // alone, the follow-up shares no word with the handbook
    const followUpQuestion = 'How much does that add to the price?';
    const alone = await kb.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: followUpQuestion });
    expect(alone.noRelevantResults).toBe(true);
    const followUp = await kb.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: followUpQuestion, sessionId: first.sessionId });
    expect(followUp.sessionId).toBe(first.sessionId);
    expect(followUp.noRelevantResults).toBe(false);
    expect(followUp.output.text).toContain('Express shipping costs 15 dollars.');
    expect(followUp.citations.every((c) => c.retrievedReferences.every((r) => r.metadata.source === 'shipping.md'))).toBe(true);
  });

  it("another tenant cannot continue a session, and an unknown session is not found", async () => {
    const first = await kb.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: 'What warranty do laptops have?' });
    await kb.create('globex', 'handbook');
    await kb.ingestPath('globex', 'handbook', h.docs);
    await expect(kb.retrieveAndGenerate({ tenant: 'globex', knowledgeBase: 'handbook', query: 'And phones?', sessionId: first.sessionId })).rejects.toMatchObject({
      code: 'not_found',
      status: 404,
    });
    await expect(kb.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: 'And phones?', sessionId: 'no-such-session' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(kb.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: 'And phones?', sessionId: 'bad id!' })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('the answer prompt', () => {
  it("uses the tenant's registry prompt (rag.prompt) over the bundled default, for that tenant only", async () => {
    await h.strata.promptRegistry.push(
      'acme',
      {
        name: 'rag-answer',
        type: 'chat',
        tags: [],
        variables: { search_results: { type: 'string', required: true }, query: { type: 'string', required: true } },
        model: {},
        messages: [{ role: 'user', content: 'Handbook desk. Reply from these only.\n\nSources:\n{{search_results}}\n\nQuestion: {{query}}' }],
      },
      { actor: 'test', label: 'production' },
    );
    const chat = vi.spyOn(h.strata.gateway, 'chat');
    try {
      const answer = await kb.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: 'What warranty do phones have?' });
      expect(answer.prompt).toBe('rag-answer@1');
      expect(answer.output.text).toContain('Phones carry a one-year warranty.');
      const sent = chat.mock.calls[0]![0];
      expect(sent.messages[0]!.content).toMatch(/^Handbook desk\./);
      expect(sent.messages[0]!.content).toContain('[1] ');
      expect(sent.tags).toMatchObject({ feature: 'rag' });
      expect(sent.prompt).toBe('rag-answer@1');
      const other = await kb.retrieveAndGenerate({ tenant: 'globex', knowledgeBase: 'handbook', query: 'What warranty do phones have?' });
      expect(other.prompt).toBe('bundled:rag-answer');
    } finally {
      chat.mockRestore();
    }
  });

  it('a registry prompt without {{search_results}} is refused with a reason', async () => {
    await h.strata.promptRegistry.push(
      'globex',
      { name: 'rag-answer', type: 'text', tags: [], variables: { query: { type: 'string', required: true } }, model: {}, template: 'Answer: {{query}}' },
      { actor: 'test', label: 'production' },
    );
    await expect(kb.retrieveAndGenerate({ tenant: 'globex', knowledgeBase: 'handbook', query: 'What warranty do phones have?' })).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('search_results'),
    });
  });

  it("a Bedrock-style promptTemplate overrides the registry and still yields real citations", async () => {
    const chat = vi.spyOn(h.strata.gateway, 'chat');
    try {
      const question = 'When are refunds paid?';
      const answer = await kb.retrieveAndGenerate({
        tenant: 'acme',
        knowledgeBase: 'handbook',
        query: question,
        promptTemplate: 'You are the returns desk.\n\n$search_results$\n\n$output_format_instructions$',
      });
      expect(answer.prompt).toBe('request:promptTemplate');
      const sent = chat.mock.calls[0]![0];
      expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user']);
      expect(sent.messages[0]!.content).toMatch(/^You are the returns desk\.\n\n\[1\] /);
      expect(sent.messages[1]!.content).toBe(question);
      expect(answer.output.text).toContain('Refunds are paid to the original card within 5 business days.');
      expectCitationsReal(answer, await kb.retrieve({ tenant: 'acme', knowledgeBase: 'handbook', query: question }), expect);
      expect(answer.citations.length).toBeGreaterThan(0);
    } finally {
      chat.mockRestore();
    }
    await expect(kb.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: 'x refunds', promptTemplate: 'No placeholder here' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});
