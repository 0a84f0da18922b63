import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest, search, type KnowledgeBaseStore } from '../../../src/rag/kb/index.js';
import type { Store } from '../../../src/store/index.js';
import { CountingGateway } from './fake-gateway.js';
import { openKbStore, writeTree } from './harness.js';

let dir: string;
let store: Store;
let kbs: KnowledgeBaseStore;
let corpus: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-conc-'));
  ({ store, kbs } = await openKbStore(join(dir, 'home')));
  corpus = join(dir, 'corpus');
  // 24 one-chunk documents: with batchSize 1 every document is one embedding call
  writeTree(corpus, Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`n${String(i).padStart(2, '0')}.txt`, `Note ${i}: the ${['otter', 'heron', 'lynx'][i % 3]} crossed river ${i}.`])));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function stored(kbId: string): { n: number; dupes: number } {
  const n = (store.sqlite!.prepare('select count(*) as n from kb_chunks where kb_id = ?').get(kbId) as { n: number }).n;
  const dupes = (store.sqlite!.prepare('select count(*) as n from (select doc_id, ordinal from kb_chunks where kb_id = ? group by doc_id, ordinal having count(*) > 1)').get(kbId) as { n: number }).n;
  return { n, dupes };
}

describe('concurrent embedding during ingestion', () => {
  it.each([1, 4])('keeps up to %i embedding calls in flight and writes every document once, in order', async (concurrency) => {
    const kb = await kbs.create('acme', `conc-${concurrency}`);
    const gw = new CountingGateway();
    gw.releaseWhenWaiting = concurrency; // calls wait until `concurrency` of them are out together
    const order: string[] = [];
    const s = await ingest(kbs, gw, kb, corpus, { batchSize: 1, concurrency, onProgress: (p) => order.push(p.relPath) });
    expect(gw.maxInFlight).toBe(concurrency);
    expect(s).toMatchObject({ documents: 24, chunks: 24, unchanged: 0 });
    expect(order).toEqual([...order].sort());
    expect(stored(kb.id)).toEqual({ n: 24, dupes: 0 });
    const [top] = await search(kbs, gw, kb, 'heron crossed river 7', { mode: 'lexical', k: 1 });
    expect(top?.metadata.source).toBe('n07.txt');
  });

  it('an embedder outage mid-run stops it, keeps whole documents only, and a rerun finishes without duplicates', async () => {
    const kb = await kbs.create('acme', 'outage');
    const gw = new CountingGateway();
    gw.failOnCall = 10;
    await expect(ingest(kbs, gw, kb, corpus, { batchSize: 2, concurrency: 3 })).rejects.toThrow('simulated embedder outage');
    const written = await kbs.documents(kb);
    expect(written.length).toBeLessThan(24);
    expect(written.every((d) => d.chunkCount === 1)).toBe(true);
    expect(stored(kb.id)).toEqual({ n: written.length, dupes: 0 });
    const again = await ingest(kbs, new CountingGateway(), kb, corpus, { batchSize: 2, concurrency: 3 });
    expect(again.unchanged).toBe(written.length);
    expect(again.documents).toBe(24 - written.length);
    expect(stored(kb.id)).toEqual({ n: 24, dupes: 0 });
  });

  it('rejects a bad concurrency with an actionable error', async () => {
    const kb = await kbs.create('acme', 'bad-conc');
    await expect(ingest(kbs, new CountingGateway(), kb, corpus, { concurrency: 0 })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('concurrency') });
  });
});
