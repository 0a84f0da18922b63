import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/spawn-strata.js';
import { writeTree } from './harness.js';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-kb-cli-'));
  env = { STRATA_HOME: join(dir, 'home'), STRATA_DATABASE_URL: '', STRATA_CONFIG: '' };
  writeTree(join(dir, 'docs'), {
    'solar.txt': 'Solar panels convert sunlight into electricity using photovoltaic cells.',
    'bread.md': '# Bread\n\nSourdough bread rises thanks to wild yeast.',
    'bread.md.metadata.json': JSON.stringify({ metadataAttributes: { team: 'kitchen' } }),
    'broken.pdf': 'not a pdf',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('strata kb', () => {
  it('creates, ingests and searches with --json in Bedrock shapes', async () => {
    const created = await runCli(['kb', 'create', 'docs', '--max-tokens', '200', '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'docs', tenant: 'default', config: { embeddingModel: 'hash-embed', chunking: { strategy: 'fixed', maxTokens: 200 } } });

    const ingested = await runCli(['kb', 'ingest', 'docs', join(dir, 'docs'), '--json'], { env });
    expect(ingested.code, ingested.stderr).toBe(0);
    const summary = JSON.parse(ingested.stdout) as { documents: number; chunks: number; skipped: { path: string }[]; unchanged: number };
    expect(summary).toMatchObject({ documents: 2, unchanged: 0, skipped: [{ path: 'broken.pdf' }] });

    const found = await runCli(['kb', 'search', 'docs', 'photovoltaic solar electricity', '--k', '2', '--json'], { env });
    expect(found.code, found.stderr).toBe(0);
    const body = JSON.parse(found.stdout) as { retrievalResults: { content: { text: string }; location: { type: string }; metadata: Record<string, unknown>; score: number }[] };
    expect(body.retrievalResults[0]).toMatchObject({ content: { text: expect.stringContaining('photovoltaic') }, location: { type: 'CUSTOM' }, metadata: { source: 'solar.txt' }, score: expect.any(Number) });

    const filtered = await runCli(['kb', 'search', 'docs', 'solar', '--mode', 'lexical', '--filter', '{"equals":{"key":"team","value":"kitchen"}}', '--json'], { env });
    expect(filtered.code, filtered.stderr).toBe(0);
    expect((JSON.parse(filtered.stdout) as { retrievalResults: unknown[] }).retrievalResults).toEqual([]);

    const readable = await runCli(['kb', 'search', 'docs', 'sourdough'], { env });
    expect(readable.stdout).toMatch(/^1\. bread\.md #0/);

    const list = await runCli(['kb', 'list', '--json'], { env });
    expect(JSON.parse(list.stdout)).toMatchObject({ data: [{ name: 'docs', documents: 2 }] });
  });

  it('fails with one line and no stack on bad input', async () => {
    for (const args of [
      ['kb', 'create', 'Bad Name'],
      ['kb', 'search', 'nope', 'q'],
      ['kb', 'search', 'docs', 'q', '--filter', '{oops'],
      ['kb', 'search', 'docs', 'q', '--k', '500'],
      ['kb', 'create', 'x', '--chunking', 'magic'],
    ]) {
      const r = await runCli(args, { env });
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^strata: /);
    }
  });

  it('deletes a knowledge base', async () => {
    const r = await runCli(['kb', 'delete', 'docs', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const list = await runCli(['kb', 'list', '--json'], { env });
    expect(JSON.parse(list.stdout)).toEqual({ data: [] });
  });
});
