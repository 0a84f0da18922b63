import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrataError } from '../../../src/core/index.js';
import { startKbHarness, type KbHarness } from './harness.js';

let h: KbHarness;
beforeAll(async () => {
  h = await startKbHarness();
});
afterAll(async () => h.close());

describe('KnowledgeBaseStore', () => {
  it('creates knowledge bases with a recorded, fully resolved config', async () => {
    const kb = await h.kbs.create('acme', 'docs');
    expect(kb.config).toEqual({ embeddingModel: 'hash-embed', chunking: { strategy: 'fixed', maxTokens: 512, overlapRatio: 0.15 }, index: { vector: 'exact' }, hybrid: { vector: 1, lexical: 1 } });
    const again = await h.kbs.get('acme', 'docs');
    expect(again.config).toEqual(kb.config);
    expect(again.documents).toBe(0);
    const rec = await h.kbs.create('acme', 'handbook.v2', { chunking: { strategy: 'recursive', maxTokens: 200 } });
    expect(rec.config.chunking).toMatchObject({ strategy: 'recursive', maxTokens: 200 });
  });

  it('keeps tenants apart: same name in two tenants, lists and gets see only their own', async () => {
    await h.kbs.create('globex', 'docs');
    expect((await h.kbs.list('acme')).map((k) => k.name)).toEqual(['docs', 'handbook.v2']);
    expect((await h.kbs.list('globex')).map((k) => k.name)).toEqual(['docs']);
    expect((await h.kbs.get('acme', 'docs')).id).not.toBe((await h.kbs.get('globex', 'docs')).id);
    await expect(h.kbs.get('globex', 'handbook.v2')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('rejects bad names, duplicates and bad chunking configs with actionable errors', async () => {
    for (const bad of ['', 'Docs', '-x', 'a b', 'x'.repeat(64), 'a/b']) {
      await expect(h.kbs.create('acme', bad)).rejects.toMatchObject({ code: 'invalid_request' });
    }
    const dup = await h.kbs.create('acme', 'docs').catch((e: unknown) => e);
    expect(isStrataError(dup) && dup.status).toBe(409);
    await expect(h.kbs.create('acme', 'weird', { chunking: { strategy: 'fixed', maxTokens: 3 } })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('deletes a knowledge base of one tenant only', async () => {
    await h.kbs.delete('globex', 'docs');
    expect(await h.kbs.list('globex')).toEqual([]);
    expect((await h.kbs.get('acme', 'docs')).name).toBe('docs');
    await expect(h.kbs.delete('globex', 'docs')).rejects.toMatchObject({ code: 'not_found' });
  });
});
