import { loadPath } from '../loaders/index.js';
import { IngestPipeline } from './ingest-pipeline.js';
import type { KnowledgeBaseStore } from './kb-store.js';
import type { EmbeddingGateway, IngestOptions, IngestSummary, KnowledgeBase } from './types.js';

/**
 * Ingests a file or folder into a knowledge base: load → chunk → embed (through the gateway, billed to the
 * knowledge base's tenant with feature=ingest; several calls in flight, see `concurrency`) → store. Each
 * document is written in one transaction together with its content hash, so a run stopped at any point leaves
 * every document either fully old or fully new, and the next run skips what is done and redoes the rest —
 * never duplicates. A file that cannot be loaded or chunked is reported in `skipped` and the run goes on; a
 * failing embedder stops the run (an outage should not mark every document as broken), keeping what was written.
 */
export async function ingest(
  kbs: KnowledgeBaseStore,
  gateway: EmbeddingGateway,
  kb: KnowledgeBase,
  root: string,
  opts: IngestOptions = {},
): Promise<IngestSummary> {
  const started = performance.now();
  const pipeline = new IngestPipeline(kbs, gateway, kb, opts);
  const existing = new Map((await kbs.documents(kb)).map((d) => [d.docId, d]));
  const seen = new Set<string>();
  const brokenPaths = new Set<string>();

  for await (const result of loadPath(root, { include: opts.include, exclude: opts.exclude })) {
    if ('problem' in result) {
      brokenPaths.add(result.problem.relPath);
      pipeline.skipped(result.problem.relPath, result.problem.reason);
      continue;
    }
    const doc = result.document;
    seen.add(doc.id);
    if (existing.get(doc.id)?.contentHash === doc.contentHash) pipeline.unchanged(doc.relPath);
    else await pipeline.add(doc);
  }
  const summary = await pipeline.finish();

  if (opts.sync) {
    // A file that is still there but broken keeps its documents: sync removes what is gone, not what failed.
    for (const d of existing.values()) {
      if (seen.has(d.docId) || brokenPaths.has(d.relPath)) continue;
      if (await kbs.engine.removeDocument(kb.id, d.docId)) summary.removed++;
    }
    if (summary.removed > 0) await kbs.flush();
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
