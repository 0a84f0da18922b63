import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentHasher, emptyUsage, type ChatChunk, type ChatModel, type ChatRequest, type ChatResult, type InvocationRecord } from '../../../src/core/index.js';
import { Gateway, ModelCatalog, type CatalogConfig } from '../../../src/gateway/index.js';
import { silentLogger } from '../../../src/observe/index.js';
import { createHashEmbeddingModel, createLocalExtractiveModel } from '../../../src/providers/local/index.js';
import { DatabaseSessionStore, concatenateWithPrevious } from '../../../src/rag/answer/index.js';
import { createKnowledgeBaseService, type KnowledgeBaseService } from '../../../src/rag/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { HANDBOOK, expectCitationsReal, writeTree } from './corpus.js';
import { migrationsWithSessions } from './sessions-migration.js';

/**
 * A stand-in generative model: rewrites follow-ups (when asked to) and otherwise answers from the numbered
 * passage that mentions the price, citing it as [n] the way a real model is asked to.
 */
class FakeGenerativeModel implements ChatModel {
  readonly provider = 'openai';
  readonly modelId = 'fake-generative';
  readonly requests: ChatRequest[] = [];

  chat(req: ChatRequest): Promise<ChatResult> {
    this.requests.push(req);
    const system = req.messages.find((m) => m.role === 'system')?.content ?? '';
    let text: string;
    if (system.includes('rewrite follow-up questions')) {
      text = 'Standalone question: "How much does express shipping cost?"';
    } else {
      const prompt = req.messages.map((m) => m.content).join('\n');
      // the passage (a `[n] …` block, up to the next blank line) that states the price
      const n = /(?:^|\n)\[(\d+)\] (?:(?!\n\n)[\s\S])*?costs 15 dollars/.exec(prompt)?.[1];
      text = n === undefined ? 'I do not know.' : `Express shipping costs 15 dollars [${n}]. It is quick.`;
    }
    return Promise.resolve({ text, toolCalls: [], finishReason: 'stop', usage: { ...emptyUsage(), inputTokens: 10, outputTokens: 5 }, modelId: this.modelId });
  }

  stream(): AsyncIterable<ChatChunk> {
    throw new Error('not used');
  }
}

let dir: string;
let store: Store;
let service: KnowledgeBaseService;
const gen = new FakeGenerativeModel();
const records: InvocationRecord[] = [];
let gateway: Gateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-rewrite-'));
  writeTree(join(dir, 'docs'), HANDBOOK);
  store = await openStore({ home: join(dir, 'home'), migrations: migrationsWithSessions() });
  const config: CatalogConfig = {
    server: { requestDeadlineMs: 5_000 },
    models: {
      local: { provider: 'local', id: 'extractive' },
      'hash-embed': { provider: 'local', id: 'hash-embed' },
      gen: { provider: 'openai', id: 'fake-generative' },
    },
    routes: { default: { models: ['gen'], retry: { maxAttempts: 1, baseMs: 1, capMs: 1 }, attemptTimeoutMs: 2_000 } },
    breaker: { failureRatio: 0.5, minRequests: 5, windowMs: 60_000, openMs: 60_000, halfOpenMaxProbes: 1 },
  };
  const catalog = new ModelCatalog(config, (alias) =>
    alias === 'local' ? { chat: createLocalExtractiveModel() } : alias === 'hash-embed' ? { embedding: createHashEmbeddingModel() } : { chat: gen },
  );
  gateway = new Gateway({ catalog, hasher: new ContentHasher('k'.repeat(32)), logger: silentLogger(), sink: { enqueue: (r) => records.push(r) } });
  service = createKnowledgeBaseService({
    store,
    gateway,
    config: { rag: { prompt: 'rag-answer@production', minRelevance: 0.2, sessionTtlSeconds: 86_400, maxSessionTurns: 10 } },
    // the database store, as a server with several replicas uses it
    sessions: new DatabaseSessionStore(store, { ttlMs: 86_400_000 }),
  });
  await service.create('acme', 'handbook');
  await service.ingestPath('acme', 'handbook', join(dir, 'docs'));
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('follow-up questions with a generative model', () => {
  it('rewrites the follow-up into a standalone question (a recorded call tagged feature=rag-rewrite) and answers it', async () => {
    const first = await service.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: 'How long does express shipping take?', tags: { segment: 'beta' } });
    expect(first.model).toBe('gen');
    const before = gen.requests.length;
    gateway.flushFinished();
    records.length = 0;
    const followUp = await service.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: 'What does that cost?', sessionId: first.sessionId, tags: { segment: 'beta' } });
    const [rewrite, answer] = gen.requests.slice(before);
    expect(rewrite!.messages[1]!.content).toContain('User: How long does express shipping take?');
    expect(rewrite!.messages[1]!.content).toContain('Follow-up question: What does that cost?');
    // the answer prompt carries the rewritten question, not the bare follow-up
    expect(answer!.messages.at(-1)!.content).toContain('Question: How much does express shipping cost?');
    gateway.flushFinished(); // records are handed on after the answer, at the end of the turn
    expect(records.map((r) => r.tags)).toEqual([
      { segment: 'beta', feature: 'rag-rewrite' },
      { segment: 'beta', feature: 'retrieve' },
      { segment: 'beta', feature: 'rag' },
    ]);
    expect(followUp.output.text).toBe('Express shipping costs 15 dollars. It is quick.');
    // the marked sentence cites its passage; the unmarked one has too little support to be attributed
    expect(followUp.citations).toHaveLength(1);
    expectCitationsReal(followUp, await service.retrieve({ tenant: 'acme', knowledgeBase: 'handbook', query: 'How much does express shipping cost?' }), expect);
  });

  it('a first question is not rewritten', async () => {
    const before = gen.requests.length;
    await service.retrieveAndGenerate({ tenant: 'acme', knowledgeBase: 'handbook', query: 'What does express shipping cost?' });
    expect(gen.requests.length - before).toBe(1);
  });
});

describe('follow-up questions with the local extractive model', () => {
  it("adds the previous question's content words the follow-up lacks", () => {
    expect(concatenateWithPrevious([{ question: 'How long is the refund window for laptops?', answer: '…' }], 'And for phones?')).toBe('And for phones? long refund window laptops');
    expect(concatenateWithPrevious([], 'And for phones?')).toBe('And for phones?');
  });
});
