import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest, reembed, search, type KnowledgeBase, type KnowledgeBaseStore, type SearchMode } from '../../../src/rag/kb/index.js';
import type { Store } from '../../../src/store/index.js';
import { CountingGateway } from './fake-gateway.js';
import { openKbStore, writeTree } from './harness.js';

let dir: string;
let store: Store;
let kbs: KnowledgeBaseStore;
let kb: KnowledgeBase;
let total: number;
const MODES: SearchMode[] = ['vector', 'lexical', 'hybrid'];

const dims = (kbId: string) =>
  (store.sqlite!.prepare('select length(embedding) / 4 as d, count(*) as n from kb_chunks where kb_id = ? group by d order by d').all(kbId) as { d: number; n: number }[]).map((r) => [r.d, r.n]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-reembed-'));
  ({ store, kbs } = await openKbStore(join(dir, 'home')));
  const root = join(dir, 'corpus');
  const files: Record<string, string> = {
    'solar.txt': 'Solar panels convert sunlight into electricity using photovoltaic cells.',
    'whales.txt': 'Blue whales are the largest animals ever known; they feed on krill.',
  };
  for (let i = 0; i < 40; i++) files[`filler-${i}.txt`] = `Filler note ${i} about quarterly planning meetings and budgets ${i}.`;
  writeTree(root, files);
  kb = await kbs.create('acme', 'docs', { chunking: { strategy: 'fixed', maxTokens: 64 } });
  await ingest(kbs, new CountingGateway(), kb, root);
  total = (await kbs.get('acme', 'docs')).chunks;
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reembed', () => {
  it('a failure in the middle leaves the old config, and every search mode keeps working', async () => {
    const gw = new CountingGateway();
    gw.failOnCall = 3;
    const progress: number[] = [];
    await expect(reembed(kbs, gw, kb, 'hash-256', { batchSize: 10, onProgress: (done) => progress.push(done) })).rejects.toThrow('simulated embedder outage');
    expect(progress).toEqual([10, 20]);
    const after = await kbs.get('acme', 'docs');
    expect(after.config.embeddingModel).toBe('hash-embed');
    expect(dims(kb.id)).toEqual([
      [256, 20],
      [384, total - 20],
    ]);
    // queries are still embedded with the recorded (old) model; chunks already moved to 256 dimensions are skipped
    for (const mode of MODES) {
      const [top] = await search(kbs, gw, after, 'photovoltaic solar panels', { mode, k: 3 });
      expect(top?.metadata.source, mode).toBe('solar.txt');
    }
  });

  it('re-embeds every chunk from its stored text exactly once and then records the new model', async () => {
    const gw = new CountingGateway();
    const progress: [number, number][] = [];
    const s = await reembed(kbs, gw, kb, 'hash-256', { batchSize: 10, onProgress: (done, all) => progress.push([done, all]) });
    expect(s.chunks).toBe(total);
    expect(gw.textsFor('hash-256')).toBe(total);
    expect(gw.calls.every((c) => c.model === 'hash-256')).toBe(true);
    expect(progress.at(-1)).toEqual([total, total]);
    const after = await kbs.get('acme', 'docs');
    expect(after.config).toEqual({ ...kb.config, embeddingModel: 'hash-256' });
    expect(dims(kb.id)).toEqual([[256, total]]);
    const q = new CountingGateway();
    for (const mode of MODES) {
      const [top] = await search(kbs, q, after, 'blue whales krill', { mode, k: 3 });
      expect(top?.metadata.source, mode).toBe('whales.txt');
    }
    expect(q.calls.filter((c) => c.inputType === 'query').every((c) => c.model === 'hash-256')).toBe(true);
  });

  it('refuses an empty model name', async () => {
    await expect(reembed(kbs, new CountingGateway(), kb, ' ')).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
