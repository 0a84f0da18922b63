import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest, reembed, search, type KnowledgeBase, type KnowledgeBaseStore } from '../../../src/rag/kb/index.js';
import { parseRetrievalFilter } from '../../../src/rag/retrieve/index.js';
import type { Store } from '../../../src/store/index.js';
import { CountingGateway } from './fake-gateway.js';
import { openKbStore, syntheticWords, writeTeamCorpus, writeTree } from './harness.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

let dir: string;
let home: string;
let store: Store;
let kbs: KnowledgeBaseStore;
let exact: KnowledgeBase;
let hnsw: KnowledgeBase;
const gw = new CountingGateway();
/** queries made of a few words of the corpus's own vocabulary */
const QUERIES = Array.from({ length: 20 }, (_, i) => syntheticWords(1500, 11).filter((_w, j) => j % 97 === i % 97).slice(0, 3).join(' '));

const ids = async (kb: KnowledgeBase, q: string, opts: Parameters<typeof search>[4] = {}) =>
  (await search(kbs, gw, kb, q, { mode: 'vector', k: 5, ...opts })).map((r) => `${String(r.metadata.source)}#${r.metadata['x-strata-chunk']}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-hnsw-'));
  home = join(dir, 'home');
  ({ store, kbs } = await openKbStore(home));
  writeTeamCorpus(join(dir, 'corpus'), 300, 50);
  exact = await kbs.create('acme', 'exact');
  hnsw = await kbs.create('acme', 'graph', { index: { vector: 'hnsw' } });
  await ingest(kbs, gw, exact, join(dir, 'corpus'));
  await ingest(kbs, gw, hnsw, join(dir, 'corpus'));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HNSW vector index (usearch)', () => {
  it('records the index option and rejects unknown ones', async () => {
    expect((await kbs.get('acme', 'graph')).config.index).toEqual({ vector: 'hnsw' });
    expect((await kbs.get('acme', 'exact')).config.index).toEqual({ vector: 'exact' });
    await expect(kbs.create('acme', 'bad', { index: { vector: 'ivf' as 'hnsw' } })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('finds nearly all that exact search finds (recall@5 over 20 queries)', async () => {
    let found = 0;
    for (const q of QUERIES) {
      const truth = new Set(await ids(exact, q));
      found += (await ids(hnsw, q)).filter((x) => truth.has(x)).length;
    }
    expect(found / (QUERIES.length * 5)).toBeGreaterThanOrEqual(0.9);
  });

  it('a selective filter still returns k hits (6 of 300 chunks pass)', async () => {
    const filter = parseRetrievalFilter({ equals: { key: 'team', value: 'red' } });
    for (const mode of ['vector', 'hybrid'] as const) {
      const hits = await search(kbs, gw, hnsw, QUERIES[0]!, { mode, k: 5, filter });
      expect(hits, mode).toHaveLength(5);
      expect(hits.every((h) => h.metadata.team === 'red')).toBe(true);
      const all = await search(kbs, gw, hnsw, QUERIES[1]!, { mode, k: 20, filter });
      expect(all, mode).toHaveLength(6);
    }
    const one = await search(kbs, gw, hnsw, QUERIES[2]!, { mode: 'vector', k: 3, filter: parseRetrievalFilter({ equals: { key: 'n', value: 150 } }) });
    expect(one.map((r) => r.metadata.n)).toEqual([150]);
  });

  it('follows writes: a replaced document is found by its new text, a removed one is gone', async () => {
    const root = join(dir, 'more');
    writeTree(root, { 'zeppelin.txt': 'Zeppelin airships float on hydrogen over the lake.' });
    await ingest(kbs, gw, hnsw, root);
    let [top] = await search(kbs, gw, hnsw, 'zeppelin airships hydrogen', { mode: 'vector', k: 1 });
    expect(top?.metadata.source).toBe('zeppelin.txt');
    writeTree(root, { 'zeppelin.txt': 'Submarines dive under the ice with nuclear reactors.' });
    await ingest(kbs, gw, hnsw, root);
    [top] = await search(kbs, gw, hnsw, 'submarines dive under ice', { mode: 'vector', k: 1 });
    expect(top?.metadata.source).toBe('zeppelin.txt');
    expect(top?.content.text).toContain('Submarines');
    await kbs.deleteDocument('acme', 'graph', top!.location.customDocumentLocation.id);
    const after = await search(kbs, gw, hnsw, 'submarines dive under ice', { mode: 'vector', k: 3 });
    expect(after.some((r) => r.metadata.source === 'zeppelin.txt')).toBe(false);
  });

  it('is saved under the home and reused by the next process; a write elsewhere makes it stale', async () => {
    const before = await ids(hnsw, QUERIES[0]!);
    const snapshots = readdirSync(join(home, 'kb-hnsw'));
    expect(snapshots).toContain(`${hnsw.id}.usearch`);
    expect(snapshots).toContain(`${hnsw.id}.usearch.json`);

    // a second store on the same home stands in for a second process
    const other = await openKbStore(home);
    try {
      const kb2 = await other.kbs.get('acme', 'graph');
      expect((await search(other.kbs, gw, kb2, QUERIES[0]!, { mode: 'vector', k: 5 })).map((r) => `${String(r.metadata.source)}#${r.metadata['x-strata-chunk']}`)).toEqual(before);
      const root = join(dir, 'elsewhere');
      writeTree(root, { 'volcano.txt': 'Volcanoes erupt lava and ash when magma pressure rises.' });
      await ingest(other.kbs, gw, kb2, root);
    } finally {
      await other.store.close();
    }
    // this store's graph predates that write: it notices and rebuilds from the rows
    const [top] = await search(kbs, gw, hnsw, 'volcano lava magma', { mode: 'vector', k: 1 });
    expect(top?.metadata.source).toBe('volcano.txt');
  });

  it('follows a re-embed to another dimension', async () => {
    await reembed(kbs, gw, hnsw, 'hash-256');
    const kb = await kbs.get('acme', 'graph');
    expect(kb.config.embeddingModel).toBe('hash-256');
    const [top] = await search(kbs, gw, kb, 'volcano lava magma', { mode: 'vector', k: 1 });
    expect(top?.metadata.source).toBe('volcano.txt');
  });

  it('deleting the knowledge base deletes its snapshot', async () => {
    await kbs.delete('acme', 'graph');
    expect(existsSync(join(home, 'kb-hnsw', `${hnsw.id}.usearch`))).toBe(false);
  });
});
