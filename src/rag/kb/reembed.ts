import { StrataError } from '../../core/index.js';
import type { KnowledgeBaseStore } from './kb-store.js';
import type { EmbeddingGateway, KnowledgeBase, ReembedOptions, ReembedSummary } from './types.js';
import { normalize } from './vectors.js';

const DEFAULT_BATCH = 64;

/**
 * Switches a knowledge base to another embedder: every chunk is re-embedded from its stored text (no files
 * needed), page by page in id order, each page written in one transaction; the new model is recorded only
 * after the last page. Semantics:
 *  - searches keep working throughout: the recorded config still names the old model, so queries are embedded
 *    with it; chunks already rewritten with another dimension are skipped by vector search (lexical search is
 *    untouched), with the same dimension they are compared as they are — vector ranking is mixed until the end;
 *  - on failure the old config stays and the error is thrown; the chunks rewritten so far keep their new vectors,
 *    so run reembed again (to the new model to finish, or to the old one to go back);
 *  - chunks written by an ingestion running at the same time are embedded with the model that ingestion read.
 */
export async function reembed(
  kbs: KnowledgeBaseStore,
  gateway: EmbeddingGateway,
  kb: KnowledgeBase,
  newEmbeddingModel: string,
  opts: ReembedOptions = {},
): Promise<ReembedSummary> {
  if (typeof newEmbeddingModel !== 'string' || newEmbeddingModel.trim() === '') throw new StrataError('invalid_request', 'The new embedding model must be a non-empty model alias.');
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new StrataError('invalid_request', `batchSize must be a whole number ≥ 1, got ${batchSize}.`);
  const started = performance.now();
  const total = (await kbs.engine.counts(kb.id)).chunks;
  let done = 0;
  let embeddingTokens = 0;
  let after = 0;
  try {
    for (;;) {
      const page = await kbs.engine.chunkTexts(kb.id, after, batchSize);
      if (page.length === 0) break;
      const res = await gateway.embed({ model: newEmbeddingModel, input: page.map((c) => c.text), inputType: 'document', caller: { tenant: kb.tenant }, tags: { feature: 'ingest' } });
      if (res.vectors.length !== page.length) throw new StrataError('internal', `The embedder returned ${res.vectors.length} vectors for ${page.length} texts.`);
      await kbs.engine.updateEmbeddings(kb.id, page.map((c, i) => ({ id: c.id, embedding: normalize(res.vectors[i]!) })));
      embeddingTokens += res.inputTokens;
      done += page.length;
      after = page[page.length - 1]!.id;
      opts.onProgress?.(done, total);
    }
    await kbs.engine.updateConfig(kb.id, { ...kb.config, embeddingModel: newEmbeddingModel });
  } finally {
    await kbs.flush();
  }
  kb.config = { ...kb.config, embeddingModel: newEmbeddingModel };
  return { chunks: done, embeddingTokens, seconds: (performance.now() - started) / 1000 };
}
