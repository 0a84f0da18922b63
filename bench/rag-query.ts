// Retrieval latency on SQLite: knowledge bases of 10k and 100k chunks of generated text (hash-embed vectors),
// queried through search() with the real gateway of a createStrata (the query is embedded per call), in hybrid,
// vector-only and lexical-only modes, with the exact vector index (an in-memory matrix scanned with SIMD) and with
// HNSW (usearch). Reports p50/p95/p99 over varied queries, and filtered runs: 5% of the chunks pass (a selective
// filter) and 60% pass (a broad one). Prints JSON, writes bench/results/rag-query.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../src/core/index.js';
import { createLogger } from '../src/observe/index.js';
import { createHashEmbeddingModel } from '../src/providers/local/index.js';
import { KnowledgeBaseStore, lexicalText, search, type KnowledgeBase, type SearchMode, type StoredChunk } from '../src/rag/kb/index.js';
import { parseRetrievalFilter, type RetrievalFilter } from '../src/rag/retrieve/index.js';
import { createStrata, type Strata } from '../src/strata.js';
import { textGenerator, vocabulary } from './lib/rag-corpus.js';
import { ROOT } from './lib/processes.js';
import { applyKbMigrations } from './lib/rag-store.js';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
/** words per chunk: ~300 cl100k tokens, a typical chunk */
const CHUNK_WORDS = 180;
const CHUNKS_PER_DOC = 10;
const K = 10;
const MODES: SearchMode[] = ['hybrid', 'vector', 'lexical'];

interface Latency {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  queries: number;
}

function percentiles(ms: number[]): Latency {
  const v = [...ms].sort((a, b) => a - b);
  const at = (p: number): number => Math.round(v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)]! * 100) / 100;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), mean: Math.round((v.reduce((s, x) => s + x, 0) / v.length) * 100) / 100, queries: v.length };
}

/** Fills a knowledge base with `size` chunks (documents of 10), embedded with the local hash embedder directly. */
async function build(kbs: KnowledgeBaseStore, kb: KnowledgeBase, size: number, vocab: string[]): Promise<number> {
  const started = performance.now();
  const text = textGenerator(vocab, size);
  const embedder = createHashEmbeddingModel();
  for (let d = 0; d < size / CHUNKS_PER_DOC; d++) {
    const texts = Array.from({ length: CHUNKS_PER_DOC }, () => text(CHUNK_WORDS));
    const { vectors } = await embedder.embed({ texts });
    let offset = 0;
    const chunks: StoredChunk[] = texts.map((t, i) => {
      const c: StoredChunk = { ordinal: i, text: t, lexicalText: lexicalText(t), tokenCount: CHUNK_WORDS * 2, start: offset, end: offset + t.length, headingPath: [], page: null, parentText: null, embedding: vectors[i]! };
      offset += t.length + 1;
      return c;
    });
    const metadata = JSON.stringify({ source: `doc-${d}.txt`, format: 'txt', team: d % 20 === 0 ? 'red' : 'blue', year: 2000 + (d % 25) });
    await kbs.engine.replaceDocument(kb.id, { docId: `doc-${d}`, relPath: `doc-${d}.txt`, contentHash: String(d), metadata }, chunks);
  }
  return (performance.now() - started) / 1000;
}

/** Queries of 2–6 words drawn like the corpus (frequent words more often), a few with a typo-free exact phrase. */
function queries(vocab: string[], n: number): string[] {
  const rand = seededRandom(99);
  return Array.from({ length: n }, () => {
    const words = 2 + Math.floor(rand() * 5);
    return Array.from({ length: words }, () => vocab[Math.floor(vocab.length * rand() ** 2)]!).join(' ');
  });
}

async function measure(strata: Strata, kbs: KnowledgeBaseStore, kb: KnowledgeBase, qs: string[], mode: SearchMode, filter?: RetrievalFilter): Promise<Latency> {
  for (const q of qs.slice(0, 5)) await search(kbs, strata.gateway, kb, q, { mode, k: K, filter }); // warm statements and caches
  const ms: number[] = [];
  for (const q of qs) {
    const t = performance.now();
    await search(kbs, strata.gateway, kb, q, { mode, k: K, filter });
    ms.push(performance.now() - t);
  }
  return percentiles(ms);
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return Math.round(((u.user + u.system) / 1e6) * 10) / 10;
}

/** Filtered runs: a selective filter (5% of chunks pass) in every mode, and a broad one (60% pass) in hybrid. */
async function filtered(out: Record<string, Latency>, strata: Strata, kbs: KnowledgeBaseStore, kb: KnowledgeBase, qs: string[], selective: RetrievalFilter, broad: RetrievalFilter): Promise<void> {
  for (const mode of MODES) out[`${mode}+filter(5%)`] = await measure(strata, kbs, kb, qs, mode, selective);
  out['hybrid+filter(60%)'] = await measure(strata, kbs, kb, qs, 'hybrid', broad);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-query-'));
  const strata = await createStrata({
    env: { ...process.env, STRATA_HOME: join(dir, 'home'), STRATA_DATABASE_URL: '', STRATA_CONFIG: '' },
    logger: createLogger({ level: 'silent' }),
    processMetrics: false,
  });
  const vocab = vocabulary(20000, 1);
  const qs = queries(vocab, QUERIES);
  const red = parseRetrievalFilter({ equals: { key: 'team', value: 'red' } });
  const recent = parseRetrievalFilter({ greaterThanOrEquals: { key: 'year', value: 2010 } });
  const results: Record<string, unknown> = {};
  const loadAtStart = loadavg();
  const cpu0 = process.cpuUsage();
  try {
    await applyKbMigrations(strata);
    const kbs = new KnowledgeBaseStore(strata.store);
    for (const size of SIZES) {
      let kb = await kbs.create('bench', `kb-${size}`);
      const buildSeconds = await build(kbs, kb, size, vocab);
      kb = await kbs.get('bench', kb.name);
      // the first vector query loads the knowledge base's vectors into memory
      let t = performance.now();
      await search(kbs, strata.gateway, kb, qs[0]!, { mode: 'vector', k: K });
      const exactLoadSeconds = (performance.now() - t) / 1000;
      const exact: Record<string, Latency> = {};
      for (const mode of MODES) exact[mode] = await measure(strata, kbs, kb, qs, mode);
      await filtered(exact, strata, kbs, kb, qs, red, recent);

      // the same rows with the HNSW option: the graph is built from the rows on the first query
      await kbs.engine.updateConfig(kb.id, { ...kb.config, index: { vector: 'hnsw' } });
      kb = await kbs.get('bench', kb.name);
      t = performance.now();
      await search(kbs, strata.gateway, kb, qs[0]!, { mode: 'vector', k: K });
      const hnswBuildSeconds = (performance.now() - t) / 1000;
      const hnsw: Record<string, Latency> = {};
      for (const mode of MODES) hnsw[mode] = await measure(strata, kbs, kb, qs, mode);
      await filtered(hnsw, strata, kbs, kb, qs, red, recent);
      const round1 = (x: number): number => Math.round(x * 10) / 10;
      results[String(size)] = { chunks: kb.chunks, buildSeconds: round1(buildSeconds), exactLoadSeconds: round1(exactLoadSeconds), hnswBuildSeconds: round1(hnswBuildSeconds), exact, hnsw };
      process.stderr.write(`${size}: ${JSON.stringify(results[String(size)])}\n`);
    }
    const largest = results[String(Math.max(...SIZES))] as { exact: Record<string, Latency>; hnsw: Record<string, Latency> };
    const report = {
      benchmark: 'rag-query',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
      settings: {
        k: K,
        queries: QUERIES,
        query: '2–6 words of the corpus vocabulary, frequent words more often; embedded through the gateway (local hash-embed) per call',
        chunk: `${CHUNK_WORDS} generated words (~300 tokens), ${CHUNKS_PER_DOC} chunks per document`,
        exact: 'every chunk scored: an in-memory Float32 matrix per knowledge base (loaded from the rows on first use, kept current on writes), usearch exactSearch (SIMD cosine, 1 thread), candidates re-scored in double precision',
        hnsw: 'usearch HNSW (connectivity 16, expansion_add 64, beam >= 64); a filter passing <= 25% of chunks goes to the exact scan over them, a broader one oversamples the graph',
        filters: 'evaluated once per document in SQL over kb_documents (remembered per knowledge-base version); vector search scans only the passing documents\' chunks',
        lexical: 'FTS5 bm25() on a per-knowledge-base table; hybrid = RRF (k = 60) of both, 4x k candidates each',
        note: 'the machine is shared with other work (load average below): latencies may be pessimistic',
        // 1, 5 and 15-minute load averages when the run started and when it ended (2 cores)
        loadAverageAtStart: loadAtStart.map((x) => Math.round(x * 100) / 100),
        loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
        // CPU seconds of this process over the whole run (builds included)
        cpuSeconds: cpuSecondsSince(cpu0),
      },
      summary: {
        hybridP95MsExact: largest.exact.hybrid!.p95,
        hybridP95MsHnsw: largest.hnsw.hybrid!.p95,
        hybridFilter5pctP95MsExact: largest.exact['hybrid+filter(5%)']!.p95,
        hybridFilter5pctP95MsHnsw: largest.hnsw['hybrid+filter(5%)']!.p95,
        target: { hybridP95MsAt100k: '<= 50' },
      },
      results,
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'rag-query.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await strata.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
