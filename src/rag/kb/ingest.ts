import type BetterSqlite3 from 'better-sqlite3';
import { StrataError } from '../../core/index.js';
import { chunkDocument, type Chunk } from '../chunking/index.js';
import { loadPath, type LoadedDocument } from '../loaders/index.js';
import { lexicalText } from './fts-query.js';
import { removeDocument, sqliteOf, type KnowledgeBaseStore } from './kb-store.js';
import type { EmbeddingGateway, IngestOptions, IngestSummary, KnowledgeBase } from './types.js';
import { normalize, vectorToBlob } from './vectors.js';

const DEFAULT_BATCH = 64;

/** A loaded and chunked document waiting for its embeddings. */
interface PendingDocument {
  doc: LoadedDocument;
  chunks: Chunk[];
  parents: Chunk[] | undefined;
}

/**
 * Ingests a file or folder into a knowledge base: load → chunk → embed (through the gateway, billed to the
 * knowledge base's tenant with feature=ingest) → store. Each document is written in one transaction together
 * with its content hash, so a run stopped at any point leaves every document either fully old or fully new,
 * and the next run skips what is done and redoes the rest — never duplicates. A file that cannot be loaded or
 * chunked is reported in `skipped` and the run goes on; a failing embedder stops the run (an outage should
 * not mark every document as broken), keeping what was written.
 */
export async function ingest(
  kbs: KnowledgeBaseStore,
  gateway: EmbeddingGateway,
  kb: KnowledgeBase,
  root: string,
  opts: IngestOptions = {},
): Promise<IngestSummary> {
  const started = performance.now();
  const db = sqliteOf(kbs.store);
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new StrataError('invalid_request', `batchSize must be a whole number ≥ 1, got ${batchSize}.`);
  const existing = new Map(kbs.documents(kb).map((d) => [d.docId, d]));
  const summary: IngestSummary = { documents: 0, chunks: 0, tokens: 0, embeddingTokens: 0, seconds: 0, skipped: [], unchanged: 0, removed: 0 };
  const seen = new Set<string>();
  const brokenPaths = new Set<string>();
  const write = documentWriter(db, kb.id);
  let pending: PendingDocument[] = [];
  let pendingChunks = 0;
  let settled = 0;
  const progress = (relPath: string, status: 'ingested' | 'unchanged' | 'skipped'): void => {
    settled++;
    opts.onProgress?.({ seen: settled, relPath, status });
  };

  const flush = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    pendingChunks = 0;
    const texts = batch.flatMap((p) => p.chunks.map((c) => c.text));
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      const input = texts.slice(i, i + batchSize);
      const res = await gateway.embed({ model: kb.config.embeddingModel, input, inputType: 'document', caller: { tenant: kb.tenant }, tags: { feature: 'ingest' } });
      if (res.vectors.length !== input.length) {
        throw new StrataError('internal', `The embedder returned ${res.vectors.length} vectors for ${input.length} texts.`);
      }
      summary.embeddingTokens += res.inputTokens;
      for (const v of res.vectors) vectors.push(normalize(v));
    }
    let at = 0;
    for (const p of batch) {
      const mine = vectors.slice(at, at + p.chunks.length);
      at += p.chunks.length;
      write(p, mine);
      summary.documents++;
      summary.chunks += p.chunks.length;
      summary.tokens += p.chunks.reduce((s, c) => s + c.tokenCount, 0);
      progress(p.doc.relPath, 'ingested');
    }
  };

  for await (const result of loadPath(root, { include: opts.include, exclude: opts.exclude })) {
    if ('problem' in result) {
      brokenPaths.add(result.problem.relPath);
      summary.skipped.push({ path: result.problem.relPath, reason: result.problem.reason });
      progress(result.problem.relPath, 'skipped');
      continue;
    }
    const doc = result.document;
    seen.add(doc.id);
    if (existing.get(doc.id)?.contentHash === doc.contentHash) {
      summary.unchanged++;
      progress(doc.relPath, 'unchanged');
      continue;
    }
    let chunked: ReturnType<typeof chunkDocument>;
    try {
      chunked = chunkDocument({ documentId: doc.id, text: doc.text, pageStarts: doc.pageStarts }, kb.config.chunking);
    } catch (e) {
      // the old version (if any) stays searchable: a document that fails now is not a document that is gone
      summary.skipped.push({ path: doc.relPath, reason: `Cannot chunk: ${e instanceof Error ? e.message : String(e)}` });
      progress(doc.relPath, 'skipped');
      continue;
    }
    pending.push({ doc, chunks: chunked.chunks, parents: chunked.parents });
    pendingChunks += chunked.chunks.length;
    if (pendingChunks >= batchSize) await flush();
  }
  if (pending.length > 0) await flush();

  if (opts.sync) {
    // A file that is still there but broken keeps its documents: sync removes what is gone, not what failed.
    for (const d of existing.values()) {
      if (seen.has(d.docId) || brokenPaths.has(d.relPath)) continue;
      if (removeDocument(db, kb.id, d.docId)) summary.removed++;
    }
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** Prepared statements for one knowledge base; the returned function replaces a document atomically. */
function documentWriter(db: BetterSqlite3.Database, kbId: string): (p: PendingDocument, vectors: Float32Array[]) => void {
  const del = db.prepare('delete from kb_chunks where kb_id = ? and doc_id = ?');
  const insChunk = db.prepare(
    'insert into kb_chunks (kb_id, doc_id, ordinal, text, lexical_text, token_count, start_offset, end_offset, heading_path, page, parent_text, metadata, embedding) ' +
      'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const upsertDoc = db.prepare(
    'insert into kb_documents (kb_id, doc_id, rel_path, content_hash, metadata, chunk_count, token_count, ingested_at) values (?, ?, ?, ?, ?, ?, ?, ?) ' +
      'on conflict (kb_id, doc_id) do update set rel_path = excluded.rel_path, content_hash = excluded.content_hash, metadata = excluded.metadata, ' +
      'chunk_count = excluded.chunk_count, token_count = excluded.token_count, ingested_at = excluded.ingested_at',
  );
  const touchKb = db.prepare('update knowledge_bases set updated_at = ? where id = ?');
  return db.transaction((p: PendingDocument, vectors: Float32Array[]) => {
    const { doc, chunks, parents } = p;
    const metadata = JSON.stringify(doc.metadata);
    del.run(kbId, doc.id);
    chunks.forEach((c, i) => {
      const parent = c.parentOrdinal === undefined ? null : (parents?.[c.parentOrdinal]?.text ?? null);
      insChunk.run(kbId, doc.id, c.ordinal, c.text, lexicalText(c.text), c.tokenCount, c.start, c.end, JSON.stringify(c.headingPath), c.page ?? null, parent, metadata, vectorToBlob(vectors[i]!));
    });
    const tokens = chunks.reduce((s, c) => s + c.tokenCount, 0);
    upsertDoc.run(kbId, doc.id, doc.relPath, doc.contentHash, metadata, chunks.length, tokens, Date.now());
    touchKb.run(Date.now(), kbId);
  });
}
