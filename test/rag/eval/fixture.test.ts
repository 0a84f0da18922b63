import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateRun, generateBeirFixture, readBeir, type Run } from '../../../src/rag/eval/index.js';
import { reciprocalRankFusion } from '../../../src/rag/retrieve/index.js';
import { analyzeTerms, bm25Scores, cosineSimilarity, createHashEmbeddingModel } from '../../../src/providers/local/index.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'strata-fixture-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const FILES = ['corpus.jsonl', 'queries.jsonl', join('qrels', 'test.tsv')];

describe('generateBeirFixture', () => {
  it('writes a valid BEIR dataset, byte for byte the same for a seed', async () => {
    const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
    const summary = await generateBeirFixture(a, { seed: 42 });
    await generateBeirFixture(b, { seed: 42 });
    await generateBeirFixture(c, { seed: 43 });
    for (const f of FILES) expect(await readFile(join(b, f), 'utf8')).toBe(await readFile(join(a, f), 'utf8'));
    expect(await readFile(join(c, 'corpus.jsonl'), 'utf8')).not.toBe(await readFile(join(a, 'corpus.jsonl'), 'utf8'));

    const ds = await readBeir(a);
    expect(summary).toMatchObject({ documents: 300, queries: 60 });
    expect(ds.corpus.size).toBe(300);
    expect(ds.queries.size).toBe(60);
    const grades = [...ds.qrels.values()].flatMap((m) => [...m.values()]);
    expect(grades.length).toBe(summary.judgments);
    expect(new Set(grades)).toEqual(new Set([1, 2]));
    for (const judged of ds.qrels.values()) for (const id of judged.keys()) expect(ds.corpus.has(id)).toBe(true);
  });

  it('honours the sizes', async () => {
    const d = await tempDir();
    await generateBeirFixture(d, { seed: 1, documents: 40, queries: 5 });
    const ds = await readBeir(d);
    expect([ds.corpus.size, ds.queries.size]).toEqual([40, 5]);
    await expect(generateBeirFixture(d, { seed: 1, documents: 3 })).rejects.toThrow(/documents/);
  });

  // A stand-in for the real index (tested with it elsewhere): the local BM25 and hash embeddings that the
  // embedded engine is built from, fused with RRF. The fixture exists to make hybrid beat both.
  it('makes hybrid beat lexical-only and vector-only on nDCG@10 with the local scorers', async () => {
    const d = await tempDir();
    await generateBeirFixture(d, { seed: 7 });
    const ds = await readBeir(d);
    const ids = [...ds.corpus.keys()];
    const texts = ids.map((id) => {
      const doc = ds.corpus.get(id)!;
      return doc.title === undefined ? doc.text : `${doc.title}\n${doc.text}`;
    });
    const terms = texts.map(analyzeTerms);
    const model = createHashEmbeddingModel();
    const vectors = (await model.embed({ texts })).vectors;
    const queryVectors = (await model.embed({ texts: [...ds.queries.values()] })).vectors;
    const lexical = new Map<string, { docId: string; score: number }[]>();
    const vector = new Map<string, { docId: string; score: number }[]>();
    const hybrid = new Map<string, { docId: string; score: number }[]>();
    [...ds.queries].forEach(([qid, text], qi) => {
      const bm25 = bm25Scores(terms, analyzeTerms(text));
      const top = (score: (i: number) => number) =>
        ids.map((id, i) => ({ id, score: score(i) })).filter((r) => r.score > 0).sort((x, y) => y.score - x.score).slice(0, 100);
      const lex = top((i) => bm25[i]!);
      const vec = top((i) => cosineSimilarity(queryVectors[qi]!, vectors[i]!));
      lexical.set(qid, lex.map((r) => ({ docId: r.id, score: r.score })));
      vector.set(qid, vec.map((r) => ({ docId: r.id, score: r.score })));
      hybrid.set(qid, reciprocalRankFusion([{ results: lex }, { results: vec }], { limit: 100 }).map((r) => ({ docId: r.id, score: r.score })));
    });
    const ndcg = (run: Run) => evaluateRun(run, ds.qrels)['ndcg@10'];
    const [l, v, h] = [ndcg(lexical), ndcg(vector), ndcg(hybrid)];
    expect(h, `hybrid ${h} lexical ${l} vector ${v}`).toBeGreaterThan(Math.max(l, v));
  });
});
