import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { ingestProgress, progressReporter } from '../../../src/cli/commands/kb-progress.js';
import { generateBeirFixture } from '../../../src/rag/eval/index.js';
import { runCli } from '../../helpers/spawn-strata.js';
import { writeTree } from './harness.js';

// every runCli starts a fresh Node process with tsx (seconds each on a busy 2-core machine)
const CLI_TIMEOUT = 180_000;

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-kb-cli-'));
  env = { STRATA_HOME: join(dir, 'home'), STRATA_DATABASE_URL: '', STRATA_CONFIG: '', STRATA_LOG_LEVEL: 'error' };
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
  }, CLI_TIMEOUT);

  it('ingests with progress on stderr (plain lines when it is not a terminal) and the summary on stdout', async () => {
    const r = await runCli(['kb', 'ingest', 'docs', join(dir, 'docs')], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ingesting .*docs: \d+\/3 files/);
    expect(r.stdout).toMatch(/0 documents .* 2 unchanged, 0 removed, 1 skipped/);
    expect(r.stdout).toMatch(/skipped broken\.pdf: /);
  }, CLI_TIMEOUT);

  it('searches with --rerank and prints the Retrieve shape', async () => {
    const r = await runCli(['kb', 'search', 'docs', 'wild yeast sourdough', '--k', '2', '--rerank', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as { retrievalResults: { metadata: Record<string, unknown>; score: number }[] };
    expect(body.retrievalResults[0]).toMatchObject({ metadata: { source: 'bread.md' }, score: expect.any(Number) });
    const local = await runCli(['kb', 'search', 'docs', 'wild yeast sourdough', '--rerank', 'local', '--k', '1', '--json'], { env });
    expect((JSON.parse(local.stdout) as { retrievalResults: unknown[] }).retrievalResults).toHaveLength(1);
  }, CLI_TIMEOUT);

  it('asks with --json in the RetrieveAndGenerate shape, and continues a session', async () => {
    const r = await runCli(['kb', 'ask', 'docs', 'How do solar panels make electricity?', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as { sessionId: string; output: { text: string }; citations: { generatedResponsePart: { textResponsePart: { text: string; span: { start: number; end: number } } }; retrievedReferences: { metadata: Record<string, unknown> }[] }[] };
    expect(Object.keys(body).sort()).toEqual(['citations', 'output', 'sessionId']);
    expect(body.output.text).toMatch(/photovoltaic|sunlight/);
    const part = body.citations[0]!.generatedResponsePart.textResponsePart;
    expect(body.output.text.slice(part.span.start, part.span.end + 1)).toBe(part.text);
    expect(body.citations[0]!.retrievedReferences[0]!.metadata.source).toBe('solar.txt');

    const next = await runCli(['kb', 'ask', 'docs', 'And what does bread need?', '--session', body.sessionId], { env });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain(`--session ${body.sessionId}`);
    expect(next.stdout).toMatch(/Sources:\n {2}\[1\] /);
  }, CLI_TIMEOUT);

  it('re-embeds with update --embedding-model', async () => {
    const yaml = join(dir, 'strata.yaml');
    writeTree(dir, { 'strata.yaml': 'models:\n  local: { provider: local, id: extractive }\n  hash-embed: { provider: local, id: hash-embed }\n  hash-embed-b: { provider: local, id: hash-embed }\nroutes:\n  default: { models: [local] }\n' });
    const r = await runCli(['kb', 'update', 'docs', '--embedding-model', 'hash-embed-b', '--config', yaml, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ knowledgeBase: 'docs', embeddingModel: 'hash-embed-b', chunks: expect.any(Number) });
    const list = await runCli(['kb', 'list', '--json', '--config', yaml], { env });
    expect(JSON.parse(list.stdout)).toMatchObject({ data: [{ name: 'docs', config: { embeddingModel: 'hash-embed-b' } }] });
  }, CLI_TIMEOUT);

  it('eval --beir scores every mode on the generated fixture; hybrid beats vector and lexical', async () => {
    const beir = join(dir, 'beir');
    await generateBeirFixture(beir, { seed: 7 });
    const r = await runCli(['kb', 'eval', '--beir', beir, '--mode', 'all', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const scores = JSON.parse(r.stdout) as Record<string, Record<string, number>>;
    expect(Object.keys(scores)).toEqual(['vector', 'lexical', 'hybrid']);
    for (const s of Object.values(scores)) {
      expect(Object.keys(s).sort()).toEqual(['mrr@10', 'ndcg@10', 'queries', 'recall@10', 'recall@100', 'seconds']);
      expect(s.queries).toBe(60);
    }
    expect(scores.hybrid!['ndcg@10']).toBeGreaterThan(Math.max(scores.vector!['ndcg@10']!, scores.lexical!['ndcg@10']!));
    // the temporary knowledge base is gone
    const list = await runCli(['kb', 'list', '--json'], { env });
    expect((JSON.parse(list.stdout) as { data: { name: string }[] }).data.map((k) => k.name)).toEqual(['docs']);

    const table = await runCli(['kb', 'eval', '--beir', beir, '--mode', 'lexical'], { env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^mode\s+nDCG@10\s+Recall@10\s+Recall@100\s+MRR@10/);
    expect(table.stdout).toMatch(/\nlexical\s+0\.\d{4}/);
  }, CLI_TIMEOUT);

  it('fails with one line and no stack on bad input', async () => {
    for (const args of [
      ['kb', 'create', 'Bad Name'],
      ['kb', 'search', 'nope', 'q'],
      ['kb', 'search', 'docs', 'q', '--filter', '{oops'],
      ['kb', 'search', 'docs', 'q', '--k', '500'],
      ['kb', 'create', 'x', '--chunking', 'magic'],
      ['kb', 'ask', 'nope', 'question?'],
      ['kb', 'ask', 'docs', 'q', '--filter', '[1,2'],
      ['kb', 'ask', 'docs', 'q', '--session', 'not a session id!'],
      ['kb', 'search', 'docs', 'q', '--mode', 'fuzzy'],
      ['kb', 'search', 'docs', 'q', '--rerank', 'no-such-reranker'],
      ['kb', 'eval', '--beir', join(dir, 'no-such-dir')],
      ['kb', 'eval', '--beir', join(dir, 'docs'), '--mode', 'fuzzy'],
      ['kb', 'update', 'nope', '--embedding-model', 'hash-embed'],
      ['kb', 'ingest', 'nope', join(dir, 'docs')],
    ]) {
      const r = await runCli(args, { env });
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^strata: /);
    }
  }, CLI_TIMEOUT);

  it('deletes a knowledge base', async () => {
    const r = await runCli(['kb', 'delete', 'docs', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const list = await runCli(['kb', 'list', '--json'], { env });
    expect(JSON.parse(list.stdout)).toEqual({ data: [] });
  }, CLI_TIMEOUT);
});

describe('ingest progress', () => {
  function capture(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
    let text = '';
    const w = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    Object.assign(w, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    return { stream: w as unknown as NodeJS.WriteStream, text: () => text };
  }

  it('draws a bar on a terminal, counting files (the rows of a CSV are one file)', () => {
    const tty = capture(true);
    const reporter = progressReporter('ingesting docs', 'files', tty.stream);
    const onProgress = ingestProgress(reporter, 3);
    onProgress({ seen: 1, relPath: 'a.md', status: 'ingested' });
    onProgress({ seen: 2, relPath: 'rows.csv', status: 'ingested' });
    onProgress({ seen: 3, relPath: 'rows.csv', status: 'ingested' });
    onProgress({ seen: 4, relPath: 'z.pdf', status: 'skipped' });
    reporter.stop();
    expect(tty.text()).toContain('ingesting docs [');
    expect(tty.text()).toContain('3/3 files');
    expect(tty.text()).toContain('3 ingested, 0 unchanged, 1 skipped');
  });

  it('writes plain lines when stderr is not a terminal, and the last count at the end', () => {
    const plain = capture(false);
    const reporter = progressReporter('ingesting docs', 'files', plain.stream);
    const onProgress = ingestProgress(reporter, 120);
    for (let i = 0; i < 120; i++) onProgress({ seen: i + 1, relPath: `f${i}.txt`, status: 'ingested' });
    reporter.stop();
    expect(plain.text().trim().split('\n')).toEqual(['ingesting docs: 1/120 files', 'ingesting docs: 51/120 files', 'ingesting docs: 101/120 files', 'ingesting docs: 120/120 files']);
  });
});
