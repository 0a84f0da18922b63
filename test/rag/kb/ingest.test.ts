import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest, type KnowledgeBase } from '../../../src/rag/kb/index.js';
import { ftsTableOf } from '../../../src/rag/kb/sqlite/fts-tables.js';
import { startKbHarness, writeTree, type KbHarness } from './harness.js';

let h: KbHarness;
let root: string;
let kb: KnowledgeBase;

const para = (topic: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `Sentence ${i} explains ${topic} in more detail, with enough words to fill a chunk.`).join(' ');

beforeAll(async () => {
  h = await startKbHarness();
  root = join(h.dir, 'corpus');
  writeTree(root, {
    'guide.md': `# Install\n\n${para('installing the widget', 40)}\n\n## Linux\n\n${para('linux packages', 40)}\n`,
    'notes/pricing.txt': para('banana pricing', 30),
    'table.csv': 'name,colour\nalpha,red\nbeta,green\ngamma,blue\n',
    'broken.pdf': 'this is not a pdf at all',
  });
  kb = await h.kbs.create('acme', 'docs', { chunking: { strategy: 'fixed', maxTokens: 128 } });
});
afterAll(async () => h.close());

/** (docId, ordinal) pairs of the stored chunks: ids must never repeat. */
function chunkKeys(): { doc: string; ordinal: number; id: number }[] {
  return (h.strata.store.sqlite!.prepare('select doc_id as doc, ordinal, id from kb_chunks where kb_id = ? order by doc_id, ordinal').all(kb.id) as { doc: string; ordinal: number; id: number }[]);
}

describe('ingest', () => {
  it('ingests md, txt and csv, reports the broken pdf and goes on', async () => {
    const s = await ingest(h.kbs, h.strata.gateway, kb, root);
    expect(s.documents).toBe(5); // guide, pricing, three csv rows
    expect(s.skipped).toEqual([{ path: 'broken.pdf', reason: expect.any(String) }]);
    expect(s.unchanged).toBe(0);
    expect(s.chunks).toBeGreaterThan(5); // the long files give several 128-token chunks
    expect(s.tokens).toBeGreaterThan(0);
    expect(s.embeddingTokens).toBeGreaterThan(0);
    expect(chunkKeys()).toHaveLength(s.chunks);
    const fts = ftsTableOf(kb.id);
    const matched = h.strata.store.sqlite!.prepare(`select count(*) as n from ${fts} where ${fts} match '"banana"'`).get() as { n: number };
    expect(matched.n).toBeGreaterThan(0);
    expect((await h.kbs.get('acme', 'docs')).documents).toBe(5);
  });

  it('bills embeddings to the tenant with feature=ingest', async () => {
    await h.strata.writer.flush();
    const rows = await h.strata.store.db.selectFrom('invocations').select(['tenant', 'tags']).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.tenant === 'acme' && (JSON.parse(r.tags) as Record<string, string>).feature === 'ingest')).toBe(true);
  });

  it('skips everything on an unchanged re-ingest', async () => {
    const before = chunkKeys();
    const s = await ingest(h.kbs, h.strata.gateway, kb, root);
    expect(s).toMatchObject({ documents: 0, chunks: 0, unchanged: 5, removed: 0 });
    expect(chunkKeys()).toEqual(before);
  });

  it('replaces only the changed document’s chunks', async () => {
    const before = chunkKeys();
    writeFileSync(join(root, 'notes/pricing.txt'), para('apple pricing', 10));
    const s = await ingest(h.kbs, h.strata.gateway, kb, root);
    expect(s).toMatchObject({ documents: 1, unchanged: 4 });
    const after = chunkKeys();
    const pricingDoc = after.find((c) => !before.some((b) => b.id === c.id))!.doc;
    const others = (rows: typeof before) => rows.filter((r) => r.doc !== pricingDoc);
    expect(others(after)).toEqual(others(before)); // untouched rows keep their ids
    const mine = after.filter((r) => r.doc === pricingDoc);
    expect(mine.map((r) => r.ordinal)).toEqual(mine.map((_, i) => i)); // 0..n-1, no leftovers, no duplicates
    expect(mine).toHaveLength(s.chunks);
    const text = h.strata.store.sqlite!.prepare('select group_concat(text, \' \') as t from kb_chunks where doc_id = ?').get(pricingDoc) as { t: string };
    expect(text.t).toContain('apple');
    expect(text.t).not.toContain('banana');
  });

  it('--sync removes a deleted file’s documents but keeps those of a file that is now broken', async () => {
    rmSync(join(root, 'table.csv'));
    writeFileSync(join(root, 'guide.md.metadata.json'), '{ not json');
    const s = await ingest(h.kbs, h.strata.gateway, kb, root, { sync: true });
    expect(s.removed).toBe(3);
    expect(s.skipped.map((x) => x.path)).toEqual(expect.arrayContaining(['broken.pdf', 'guide.md']));
    const docs = (await h.kbs.documents(kb)).map((d) => d.relPath);
    expect(docs).toEqual(['guide.md', 'notes/pricing.txt']);
    rmSync(join(root, 'guide.md.metadata.json'));
  });

  it('resumes after a crash mid-ingest without duplicates', async () => {
    const kb2 = await h.kbs.create('acme', 'resume', { chunking: { strategy: 'fixed', maxTokens: 64 } });
    const many = join(h.dir, 'many');
    writeTree(many, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`doc-${String(i).padStart(2, '0')}.txt`, para(`topic ${i}`, 8)])));
    let calls = 0;
    const crash = ingest(h.kbs, h.strata.gateway, kb2, many, {
      batchSize: 8,
      onProgress: () => {
        if (++calls === 9) throw new Error('simulated crash');
      },
    });
    await expect(crash).rejects.toThrow('simulated crash');
    const half = (await h.kbs.documents(kb2)).length;
    expect(half).toBeGreaterThan(0);
    expect(half).toBeLessThan(20);
    const s = await ingest(h.kbs, h.strata.gateway, kb2, many);
    expect(s.unchanged).toBe(half);
    expect(s.documents).toBe(20 - half);
    const dupes = h.strata.store.sqlite!.prepare('select count(*) as n from (select doc_id, ordinal from kb_chunks where kb_id = ? group by doc_id, ordinal having count(*) > 1)').get(kb2.id) as { n: number };
    expect(dupes.n).toBe(0);
    const total = h.strata.store.sqlite!.prepare('select count(*) as n from kb_chunks where kb_id = ?').get(kb2.id) as { n: number };
    expect(total.n).toBe((await h.kbs.documents(kb2)).reduce((s2, d) => s2 + d.chunkCount, 0));
  });

  it('deleteDocument removes one document and its chunks', async () => {
    const [first] = await h.kbs.documents(kb);
    await h.kbs.deleteDocument('acme', 'docs', first!.docId);
    expect((await h.kbs.documents(kb)).map((d) => d.docId)).not.toContain(first!.docId);
    expect(chunkKeys().some((c) => c.doc === first!.docId)).toBe(false);
    await expect(h.kbs.deleteDocument('acme', 'docs', first!.docId)).rejects.toMatchObject({ code: 'not_found' });
  });
});
