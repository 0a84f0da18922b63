import { randomBytes } from 'node:crypto';
import { StrataError } from '../../core/index.js';
import { evaluateRun, readBeir, type ScoredDoc } from '../../rag/index.js';
import type { KnowledgeBaseService, RerankParams, SearchMode, UploadedDocument } from '../../rag/index.js';
import type { ProgressReporter } from './kb-progress.js';

/** The numbers `strata kb eval --json` prints per mode: exactly these keys. */
export interface ModeScores {
  'ndcg@10': number;
  'recall@10': number;
  'recall@100': number;
  'mrr@10': number;
  queries: number;
  /** wall time of the mode's queries (ingestion not included) */
  seconds: number;
}

export interface BeirEvalOptions {
  tenant: string;
  modes: SearchMode[];
  rerank?: RerankParams;
  embeddingModel?: string;
  /** ingestion, then each mode's queries */
  progress?: (phase: string) => ProgressReporter;
}

/** Results are judged to depth 100 (Recall@100), the most a Retrieve call returns. */
const DEPTH = 100;
/** Documents per upload call: bounded memory for the loaders, progress the user can see. */
const UPLOAD_BATCH = 200;
/** Where each chunk's BEIR document id travels back from search: its metadata. */
const BEIR_ID = 'beir-id';

/**
 * Scores retrieval on a BEIR-format folder: builds a temporary knowledge base from corpus.jsonl (title
 * and text of each document), asks every query of qrels/test.tsv in each mode, and scores the ranked
 * documents with BEIR's conventions. The knowledge base is removed afterwards, also on failure.
 */
export async function evaluateBeir(service: KnowledgeBaseService, dir: string, opts: BeirEvalOptions): Promise<Record<string, ModeScores>> {
  const ds = await readBeir(dir);
  if (ds.queries.size === 0) throw new StrataError('invalid_request', `${dir}: no query in queries.jsonl has relevance judgments in qrels/test.tsv; nothing to score.`);
  const name = `beir-eval-${randomBytes(6).toString('hex')}`;
  const kb = await service.create(opts.tenant, name, opts.embeddingModel === undefined ? {} : { embeddingModel: opts.embeddingModel });
  try {
    const docs: UploadedDocument[] = [...ds.corpus].map(([id, doc], i) => ({
      // BEIR ids may hold any character; the file name only has to be unique
      fileName: `doc-${i}.txt`,
      content: Buffer.from(doc.title === undefined || doc.title === '' ? doc.text : `${doc.title}\n${doc.text}`, 'utf8'),
      metadata: { [BEIR_ID]: id },
    }));
    const ingesting = opts.progress?.('ingesting corpus');
    for (let i = 0; i < docs.length; i += UPLOAD_BATCH) {
      const summary = await service.ingestDocuments(opts.tenant, kb.id, docs.slice(i, i + UPLOAD_BATCH), { caller: { tenant: opts.tenant } });
      if (summary.skipped.length > 0) {
        const first = summary.skipped[0]!;
        throw new StrataError('invalid_request', `${dir}: ${summary.skipped.length} corpus documents could not be indexed (first: ${first.reason}).`);
      }
      ingesting?.update(Math.min(i + UPLOAD_BATCH, docs.length), docs.length);
    }
    ingesting?.stop();

    const out: Record<string, ModeScores> = {};
    for (const mode of opts.modes) {
      const reporter = opts.progress?.(`${mode} queries`);
      const started = performance.now();
      const run = new Map<string, ScoredDoc[]>();
      let done = 0;
      for (const [qid, text] of ds.queries) {
        const results = await service.retrieve({
          tenant: opts.tenant,
          knowledgeBase: kb.id,
          query: text,
          k: DEPTH,
          mode,
          rerank: opts.rerank === undefined ? undefined : { topN: DEPTH, ...opts.rerank },
          caller: { tenant: opts.tenant },
        });
        run.set(qid, results.map((r) => ({ docId: String(r.metadata[BEIR_ID]), score: r.score })));
        reporter?.update(++done, ds.queries.size);
      }
      const seconds = (performance.now() - started) / 1000;
      reporter?.stop();
      const scores = evaluateRun(run, ds.qrels);
      out[mode] = { 'ndcg@10': scores['ndcg@10'], 'recall@10': scores['recall@10'], 'recall@100': scores['recall@100'], 'mrr@10': scores['mrr@10'], queries: scores.queries, seconds: round(seconds, 3) };
    }
    return out;
  } finally {
    await service.delete(opts.tenant, kb.id);
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The scores as a table, one row per mode. */
export function scoresTable(scores: Record<string, ModeScores>): string {
  const head = ['mode', 'nDCG@10', 'Recall@10', 'Recall@100', 'MRR@10', 'queries', 'seconds'];
  const rows = Object.entries(scores).map(([mode, s]) => [
    mode,
    s['ndcg@10'].toFixed(4),
    s['recall@10'].toFixed(4),
    s['recall@100'].toFixed(4),
    s['mrr@10'].toFixed(4),
    String(s.queries),
    s.seconds.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
