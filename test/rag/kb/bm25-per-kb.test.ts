import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest, search, type KnowledgeBaseStore } from '../../../src/rag/kb/index.js';
import { ftsTableOf } from '../../../src/rag/kb/sqlite/fts-tables.js';
import { MIGRATIONS, type Store } from '../../../src/store/index.js';
import { kbFtsPerKnowledgeBaseMigration } from '../../../src/store/migrations/0011-kb-fts-per-knowledge-base.js';
import { CountingGateway } from './fake-gateway.js';
import { openKbStore, writeTree } from './harness.js';

let dir: string;
const gw = new CountingGateway();
const WITH_0011 = MIGRATIONS.some((m) => m.id === 11) ? MIGRATIONS : [...MIGRATIONS, kbFtsPerKnowledgeBaseMigration];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-bm25-'));
  writeTree(join(dir, 'a'), { 'tides.txt': 'Tides follow the moon; the harbour floods at spring tide.', 'bread.txt': 'Bread needs flour, water and yeast.' });
  // another tenant's knowledge base full of the word 'moon'
  writeTree(join(dir, 'b'), Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`m${i}.txt`, `The moon ${i} rises over the moon base ${i}.`])));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withStore<T>(home: string, fn: (kbs: KnowledgeBaseStore, store: Store) => Promise<T>): Promise<T> {
  const { store, kbs } = await openKbStore(home, WITH_0011);
  try {
    return await fn(kbs, store);
  } finally {
    await store.close();
  }
}

describe('BM25 statistics per knowledge base', () => {
  it("another tenant's documents do not change a knowledge base's scores", async () => {
    await withStore(join(dir, 'home1'), async (kbs) => {
      const a = await kbs.create('acme', 'a');
      await ingest(kbs, gw, a, join(dir, 'a'));
      const before = await search(kbs, gw, a, 'moon tide', { mode: 'lexical', k: 2 });
      const b = await kbs.create('globex', 'b');
      await ingest(kbs, gw, b, join(dir, 'b'));
      const after = await search(kbs, gw, a, 'moon tide', { mode: 'lexical', k: 2 });
      expect(after.map((r) => r.score)).toEqual(before.map((r) => r.score));
      expect(after[0]?.metadata.source).toBe('tides.txt');
      // deleting a knowledge base drops its FTS table
      await kbs.delete('globex', 'b');
    });
  });

  it('migration 11 drops the shared FTS table; a knowledge base from before gets its own table filled on first use', async () => {
    const home = join(dir, 'home2');
    let kbId = '';
    await withStore(home, async (kbs, store) => {
      const a = await kbs.create('acme', 'a');
      kbId = a.id;
      await ingest(kbs, gw, a, join(dir, 'a'));
      // as if made before per-KB tables existed
      store.sqlite!.exec(`drop table ${ftsTableOf(a.id)}`);
    });
    await withStore(home, async (kbs, store) => {
      const tables = (store.sqlite!.prepare("select name from sqlite_master where name like 'kb_%fts%'").pluck().all() as string[]).filter((n) => !n.includes('_fts_') || n === ftsTableOf(kbId));
      expect(tables).not.toContain('kb_chunks_fts');
      const a = await kbs.get('acme', 'a');
      const [top] = await search(kbs, gw, a, 'harbour floods', { mode: 'lexical', k: 1 });
      expect(top?.metadata.source).toBe('tides.txt');
    });
  });
});
