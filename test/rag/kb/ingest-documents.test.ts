import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDocuments, search, type KnowledgeBase, type KnowledgeBaseStore } from '../../../src/rag/kb/index.js';
import { parseRetrievalFilter } from '../../../src/rag/retrieve/index.js';
import type { Store } from '../../../src/store/index.js';
import { CountingGateway } from './fake-gateway.js';
import { openKbStore } from './harness.js';

let dir: string;
let store: Store;
let kbs: KnowledgeBaseStore;
let kb: KnowledgeBase;
const gw = new CountingGateway();
const doc = (fileName: string, text: string | Buffer, metadata?: Record<string, unknown>) => ({ fileName, content: Buffer.isBuffer(text) ? text : Buffer.from(text), ...(metadata === undefined ? {} : { metadata }) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-upload-test-'));
  ({ store, kbs } = await openKbStore(join(dir, 'home')));
  kb = await kbs.create('acme', 'uploads');
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ingestDocuments (API uploads)', () => {
  it('loads each format from bytes, applies API metadata, and skips broken uploads with reasons', async () => {
    const s = await ingestDocuments(kbs, gw, kb, [
      doc('guides/solar.md', '# Solar\n\nPhotovoltaic panels turn sunlight into electricity.', { team: 'energy', year: 2024 }),
      doc('whales.txt', 'Blue whales eat krill in cold oceans.', { team: 'ocean' }),
      doc('people.csv', 'name,city\nAda,London\nGrace,Arlington\n'),
      doc('broken.pdf', 'not a pdf'),
      doc('tool.exe', 'MZ'),
      doc('../escape.txt', 'nope'),
      doc('bad-meta.txt', 'text', { nested: { no: 1 } }),
      doc('binary.txt', Buffer.from([0, 1, 2, 3])),
    ]);
    expect(s.documents).toBe(4); // solar, whales, two csv rows
    expect(s.skipped.map((x) => x.path).sort()).toEqual(['../escape.txt', 'bad-meta.txt', 'binary.txt', 'broken.pdf', 'tool.exe']);
    expect(s.skipped.every((x) => x.reason.length > 0)).toBe(true);
    const docs = await kbs.documents(kb);
    expect(docs.map((d) => d.relPath).sort()).toEqual(['guides/solar.md', 'people.csv', 'people.csv', 'whales.txt']);

    const energy = await search(kbs, gw, kb, 'panels electricity whales', { mode: 'hybrid', k: 5, filter: parseRetrievalFilter({ equals: { key: 'team', value: 'energy' } }) });
    expect(energy.map((r) => r.metadata.source)).toEqual(['guides/solar.md']);
    expect(energy[0]!.metadata).toMatchObject({ team: 'energy', year: 2024, format: 'md' });
  });

  it('skips unchanged uploads and replaces changed ones (metadata counts as content)', async () => {
    const same = await ingestDocuments(kbs, gw, kb, [doc('whales.txt', 'Blue whales eat krill in cold oceans.', { team: 'ocean' })]);
    expect(same).toMatchObject({ documents: 0, unchanged: 1 });
    const changed = await ingestDocuments(kbs, gw, kb, [doc('whales.txt', 'Blue whales eat krill in cold oceans.', { team: 'marine' })]);
    expect(changed).toMatchObject({ documents: 1, unchanged: 0 });
    const [hit] = await search(kbs, gw, kb, 'krill', { mode: 'lexical', k: 1 });
    expect(hit?.metadata.team).toBe('marine');
  });

  it('reports a file name sent twice and refuses a non-list', async () => {
    const s = await ingestDocuments(kbs, gw, kb, [doc('twice.txt', 'one'), doc('twice.txt', 'two')]);
    expect(s.documents).toBe(1);
    expect(s.skipped).toEqual([{ path: 'twice.txt', reason: expect.stringContaining('twice') }]);
    await expect(ingestDocuments(kbs, gw, kb, 'nope' as never)).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
