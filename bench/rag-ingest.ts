// Ingest throughput end to end: a generated corpus of .txt and .md files ingested through a real createStrata
// (embedded SQLite, local hash-embed through the gateway pipeline: limits, retries, cost records per tenant),
// default fixed chunking at 512 tokens with 15% overlap. Reports chunks/s and tokens/s over the whole run
// (load, chunk, embed, write). Prints JSON and writes bench/results/rag-ingest.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/observe/index.js';
import { KnowledgeBaseStore, ingest } from '../src/rag/kb/index.js';
import { createStrata } from '../src/strata.js';
import { textGenerator, vocabulary } from './lib/rag-corpus.js';
import { ROOT } from './lib/processes.js';
import { applyKbMigrations } from './lib/rag-store.js';

const FILES = Number(process.env.BENCH_FILES ?? 600);
/** words per file: ~4 chunks of 512 tokens each */
const WORDS = Number(process.env.BENCH_WORDS ?? 1400);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-ingest-'));
  const corpus = join(dir, 'corpus');
  const text = textGenerator(vocabulary(20000, 1), 2);
  for (let i = 0; i < FILES; i++) {
    const sub = join(corpus, `part-${i % 10}`);
    mkdirSync(sub, { recursive: true });
    const md = i % 2 === 0;
    writeFileSync(join(sub, `doc-${i}.${md ? 'md' : 'txt'}`), md ? `# Document ${i}\n\n${text(WORDS)}\n` : text(WORDS));
  }
  const strata = await createStrata({
    env: { ...process.env, STRATA_HOME: join(dir, 'home'), STRATA_DATABASE_URL: '', STRATA_CONFIG: '' },
    logger: createLogger({ level: 'silent' }),
    processMetrics: false,
  });
  try {
    await applyKbMigrations(strata);
    const kbs = new KnowledgeBaseStore(strata.store);
    const kb = await kbs.create('bench', 'corpus');
    const loadAtStart = loadavg();
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    const s = await ingest(kbs, strata.gateway, kb, corpus);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    await strata.writer.flush();
    const round = (x: number): number => Math.round(x * 100) / 100;
    const report = {
      benchmark: 'rag-ingest',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
      settings: {
        files: FILES,
        wordsPerFile: WORDS,
        formats: 'half .md, half .txt',
        chunking: kb.config.chunking,
        embeddingModel: `${kb.config.embeddingModel} (local hashed lexical features, through the gateway pipeline)`,
        store: 'embedded SQLite (WAL), FTS5 per knowledge base, exact vector index',
        note: 'the machine is shared with other work (load average logged below): wall-clock numbers may be pessimistic',
        // 1, 5 and 15-minute load averages when the run started and when it ended (2 cores)
        loadAverageAtStart: loadAtStart.map((x) => Math.round(x * 100) / 100),
        loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
      },
      summary: {
        documents: s.documents,
        chunks: s.chunks,
        tokens: s.tokens,
        seconds: round(seconds),
        chunksPerSecond: round(s.chunks / seconds),
        // CPU seconds of this process (all its threads): less sensitive than wall time to other work on the machine
        cpuSeconds: round(cpuSeconds),
        chunksPerCpuSecond: round(s.chunks / cpuSeconds),
        tokensPerSecond: Math.round(s.tokens / seconds),
        skipped: s.skipped.length,
        target: { chunksPerSecond: '>= 1000' },
      },
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'rag-ingest.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await strata.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
