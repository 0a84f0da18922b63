import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetrievalFilter } from '../../../src/rag/retrieve/index.js';
import { ingest, search, type KnowledgeBase, type SearchMode } from '../../../src/rag/kb/index.js';
import { startKbHarness, writeTree, type KbHarness } from './harness.js';

let h: KbHarness;
let kb: KnowledgeBase;
let garden: KnowledgeBase;
const MODES: SearchMode[] = ['vector', 'lexical', 'hybrid'];

beforeAll(async () => {
  h = await startKbHarness();
  const root = join(h.dir, 'small');
  writeTree(root, {
    'solar.txt': 'Solar panels convert sunlight into electricity using photovoltaic cells mounted on the roof.',
    'whales.txt': 'Blue whales are the largest animals ever known; they feed on krill in cold oceans.',
    'bread.txt': 'Sourdough bread rises thanks to wild yeast and lactic acid bacteria in the starter.',
    'trains.md': '# Railways\n\nHigh speed trains run on dedicated tracks powered by overhead lines.',
  });
  kb = await h.kbs.create('acme', 'small');
  await ingest(h.kbs, h.strata.gateway, kb, root);

  // 40 near-identical documents; only 3 belong to team red, and they are not the best matches
  const groot = join(h.dir, 'garden');
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++) {
    const red = i % 13 === 5;
    files[`g${String(i).padStart(2, '0')}.txt`] = red ? `Notes number ${i} mention gardening once.` : `Gardening tips ${i}: gardening tips for tomatoes and gardening tips for roses.`;
    files[`g${String(i).padStart(2, '0')}.txt.metadata.json`] = JSON.stringify({ metadataAttributes: { team: red ? 'red' : 'blue', n: i } });
  }
  writeTree(groot, files);
  garden = await h.kbs.create('acme', 'garden');
  await ingest(h.kbs, h.strata.gateway, garden, groot);
});
afterAll(async () => h.close());

describe('search', () => {
  it.each(MODES)('%s: the expected document comes first, in Bedrock Retrieve shape', async (mode) => {
    const results = await search(h.kbs, h.strata.gateway, kb, 'how do photovoltaic solar panels make electricity', { mode, k: 3 });
    expect(results.length).toBeGreaterThan(0);
    expect(results.length).toBeLessThanOrEqual(3);
    const top = results[0]!;
    expect(top.metadata.source).toBe('solar.txt');
    expect(top).toEqual({
      content: { text: expect.stringContaining('photovoltaic'), type: 'TEXT' },
      location: { type: 'CUSTOM', customDocumentLocation: { id: expect.stringMatching(/^[0-9a-f]{32}$/) } },
      metadata: expect.objectContaining({ source: 'solar.txt', format: 'txt', 'x-strata-chunk': 0 }),
      score: expect.any(Number),
    });
    for (let i = 1; i < results.length; i++) expect(results[i - 1]!.score).toBeGreaterThanOrEqual(results[i]!.score);
  });

  it('finds another document by its own words in every mode', async () => {
    for (const mode of MODES) {
      const [top] = await search(h.kbs, h.strata.gateway, kb, 'sourdough yeast starter', { mode, k: 2 });
      expect(top?.metadata.source, mode).toBe('bread.txt');
    }
  });

  it.each(MODES)('%s: a selective filter is applied inside the search and still returns k hits', async (mode) => {
    const filter = parseRetrievalFilter({ equals: { key: 'team', value: 'red' } });
    const results = await search(h.kbs, h.strata.gateway, garden, 'gardening tips', { mode, k: 3, filter });
    expect(results).toHaveLength(3);
    expect(results.every((r) => r.metadata.team === 'red')).toBe(true);
    // more asked than exist: all that pass, no others
    const all = await search(h.kbs, h.strata.gateway, garden, 'gardening', { mode, k: 10, filter });
    expect(all).toHaveLength(3);
    const ranged = await search(h.kbs, h.strata.gateway, garden, 'gardening tips', { mode, k: 5, filter: parseRetrievalFilter({ andAll: [{ greaterThanOrEquals: { key: 'n', value: 10 } }, { lessThan: { key: 'n', value: 15 } }] }) });
    expect(ranged.map((r) => r.metadata.n).sort()).toEqual([10, 11, 12, 13, 14]);
  });

  it('never lets FTS syntax through: quotes and operators are searched as words', async () => {
    const nasty = ['"unbalanced', 'solar AND OR NOT', 'NEAR(solar cells)', 'text:solar*', '^solar', '-whales', "'; drop table kb_chunks; --", '"*"', '()', 'sol"ar'];
    for (const q of nasty) {
      for (const mode of MODES) await expect(search(h.kbs, h.strata.gateway, kb, q, { mode, k: 3 }), `${mode} ${q}`).resolves.toBeInstanceOf(Array);
    }
    const [top] = await search(h.kbs, h.strata.gateway, kb, 'NEAR(solar cells)', { mode: 'lexical', k: 1 });
    expect(top?.metadata.source).toBe('solar.txt');
  });

  it('keeps knowledge bases apart and validates k and mode', async () => {
    const results = await search(h.kbs, h.strata.gateway, garden, 'photovoltaic solar panels', { mode: 'lexical', k: 5 });
    expect(results).toEqual([]);
    await expect(search(h.kbs, h.strata.gateway, kb, 'x', { k: 0 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(search(h.kbs, h.strata.gateway, kb, 'x', { k: 101 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(search(h.kbs, h.strata.gateway, kb, 'x', { mode: 'fuzzy' as SearchMode })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(search(h.kbs, h.strata.gateway, kb, '   ')).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
