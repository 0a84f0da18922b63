import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRun, generateBeirFixture, readBeir, type BeirDataset, type Run, type ScoredDoc } from '../../../src/rag/eval/index.js';
import { ingest, search, type KnowledgeBase, type RetrievalResult } from '../../../src/rag/kb/index.js';
import { LexicalCrossScorer } from '../../../src/rag/rerank/index.js';
import { startKbHarness, type KbHarness } from '../kb/harness.js';

const CANDIDATES = [20, 50];

let h: KbHarness;
let kb: KnowledgeBase;
let ds: BeirDataset;
const pools = new Map<string, RetrievalResult[]>();

beforeAll(async () => {
  h = await startKbHarness();
  const beir = join(h.dir, 'beir');
  await generateBeirFixture(beir, { seed: 7 });
  ds = await readBeir(beir);
  const corpus = join(h.dir, 'corpus');
  mkdirSync(corpus, { recursive: true });
  for (const [id, doc] of ds.corpus) writeFileSync(join(corpus, `${id}.txt`), doc.title === undefined ? doc.text : `${doc.title}\n${doc.text}`);
  kb = await h.kbs.create('acme', 'beir');
  await ingest(h.kbs, h.strata.gateway, kb, corpus);
  for (const [qid, text] of ds.queries) pools.set(qid, await search(h.kbs, h.strata.gateway, kb, text, { mode: 'hybrid', k: Math.max(...CANDIDATES) }));
});
afterAll(async () => h.close());

const docId = (r: RetrievalResult): string => String(r.metadata.source).replace(/\.txt$/, '');

function hybridRun(): Run {
  const run = new Map<string, ScoredDoc[]>();
  for (const [qid, results] of pools) run.set(qid, results.slice(0, 10).map((r) => ({ docId: docId(r), score: r.score })));
  return run;
}

async function rerankedRun(candidates: number): Promise<Run> {
  const scorer = new LexicalCrossScorer();
  const run = new Map<string, ScoredDoc[]>();
  for (const [qid, results] of pools) {
    const pool = results.slice(0, candidates);
    const ranked = await scorer.rerank(ds.queries.get(qid)!, pool.map((r) => r.content.text), { topN: 10 });
    run.set(qid, ranked.map((r) => ({ docId: docId(pool[r.index]!), score: r.relevanceScore })));
  }
  return run;
}

describe('local lexical reranking on the BEIR fixture (seed 7)', () => {
  it('reranking the hybrid candidates does not lower nDCG@10', async () => {
    const before = evaluateRun(hybridRun(), ds.qrels)['ndcg@10'];
    const after = new Map<number, number>();
    for (const c of CANDIDATES) after.set(c, evaluateRun(await rerankedRun(c), ds.qrels)['ndcg@10']);
    console.log(`nDCG@10 hybrid ${before.toFixed(4)}; reranked ${[...after].map(([c, v]) => `top-${c} ${v.toFixed(4)}`).join(', ')}`);
    for (const [c, v] of after) expect(v, `top-${c}`).toBeGreaterThanOrEqual(before);
  });
});
