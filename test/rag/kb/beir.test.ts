import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRun, generateBeirFixture, readBeir, type BeirDataset, type Run } from '../../../src/rag/eval/index.js';
import { ingest, search, type KnowledgeBase, type SearchMode } from '../../../src/rag/kb/index.js';
import { startKbHarness, type KbHarness } from './harness.js';

let h: KbHarness;
let kb: KnowledgeBase;
let ds: BeirDataset;

beforeAll(async () => {
  h = await startKbHarness();
  const beir = join(h.dir, 'beir');
  await generateBeirFixture(beir, { seed: 7 });
  ds = await readBeir(beir);
  // One file per BEIR document, named by its id, so results map back to ids through metadata.source.
  const corpus = join(h.dir, 'corpus');
  mkdirSync(corpus, { recursive: true });
  for (const [id, doc] of ds.corpus) writeFileSync(join(corpus, `${id}.txt`), doc.title === undefined ? doc.text : `${doc.title}\n${doc.text}`);
  kb = await h.kbs.create('acme', 'beir');
  const s = await ingest(h.kbs, h.strata.gateway, kb, corpus);
  expect(s.documents).toBe(ds.corpus.size);
});
afterAll(async () => h.close());

async function run(mode: SearchMode, hybridWeights?: { vector?: number; lexical?: number }): Promise<Run> {
  const out = new Map<string, { docId: string; score: number }[]>();
  for (const [qid, text] of ds.queries) {
    const results = await search(h.kbs, h.strata.gateway, kb, text, { mode, k: 10, hybridWeights });
    out.set(qid, results.map((r) => ({ docId: String(r.metadata.source).replace(/\.txt$/, ''), score: r.score })));
  }
  return out;
}

describe('retrieval quality through the real index (BEIR fixture, seed 7)', () => {
  it('hybrid nDCG@10 beats both vector-only and lexical-only', async () => {
    const scores = Object.fromEntries(await Promise.all((['vector', 'lexical', 'hybrid'] as const).map(async (m) => [m, evaluateRun(await run(m), ds.qrels)['ndcg@10']] as const)));
    console.log(`nDCG@10 ${JSON.stringify(scores)}`);
    expect(scores.hybrid!, JSON.stringify(scores)).toBeGreaterThan(Math.max(scores.vector!, scores.lexical!));
  });

  it('hybrid weights move the fusion toward one ranking: all weight on one side ranks like that side alone', async () => {
    const ids = (r: Run) => [...r.values()].map((hits) => hits.map((x) => x.docId));
    expect(ids(await run('hybrid', { lexical: 0 }))).toEqual(ids(await run('vector')));
    expect(ids(await run('hybrid', { vector: 0 }))).toEqual(ids(await run('lexical')));
    // the knowledge base's recorded weights are the default; a search may override them
    const weighted = await h.kbs.create('acme', 'beir-weighted', { hybrid: { vector: 0.7, lexical: 0.3 } });
    expect(weighted.config.hybrid).toEqual({ vector: 0.7, lexical: 0.3 });
    expect(kb.config.hybrid).toEqual({ vector: 1, lexical: 1 });
    await expect(h.kbs.create('acme', 'beir-bad', { hybrid: { vector: 0, lexical: 0 } })).rejects.toThrow(/cannot both be 0/);
    await expect(search(h.kbs, h.strata.gateway, kb, 'x', { hybridWeights: { vector: -1 } })).rejects.toThrow(/≥ 0/);
  });
});
