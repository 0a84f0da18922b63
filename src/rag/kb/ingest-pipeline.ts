import { StrataError } from '../../core/index.js';
import { chunkDocument, type Chunk } from '../chunking/index.js';
import type { LoadedDocument } from '../loaders/index.js';
import type { StoredChunk } from './engine.js';
import { lexicalText } from './fts-query.js';
import type { KnowledgeBaseStore } from './kb-store.js';
import type { EmbeddingGateway, IngestProgress, IngestSummary, KnowledgeBase } from './types.js';
import { normalize } from './vectors.js';

export const DEFAULT_BATCH = 64;
export const DEFAULT_CONCURRENCY = 4;

/** A loaded and chunked document waiting for its embeddings. */
interface PendingDocument {
  doc: LoadedDocument;
  chunks: Chunk[];
  parents: Chunk[] | undefined;
}

/** Documents whose embeddings are being computed together; written in order once they arrive. */
interface InFlight {
  docs: PendingDocument[];
  vectors: Promise<Float32Array[]>;
}

export interface PipelineOptions {
  batchSize?: number;
  concurrency?: number;
  onProgress?: (p: IngestProgress) => void;
}

/** Checks a whole-number option at least 1. */
function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new StrataError('invalid_request', `${name} must be a whole number ≥ 1, got ${v}.`);
  return v;
}

/** A counting semaphore: at most `permits` embedding calls are out at once, whatever the batch sizes. */
class Permits {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(permits: number) {
    this.free = permits;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.free++;
    }
  }
}

/**
 * Chunk → embed → store, shared by folder ingestion and API uploads. Embedding calls run concurrently (up to
 * `concurrency`, each of up to `batchSize` chunks, billed to the tenant with feature=ingest), while documents
 * are written strictly in arrival order, each in its own transaction with its content hash: a run stopped at
 * any point leaves every document fully old or fully new, and the next run skips what is done.
 */
export class IngestPipeline {
  readonly summary: IngestSummary = { documents: 0, chunks: 0, tokens: 0, embeddingTokens: 0, seconds: 0, skipped: [], unchanged: 0, removed: 0 };
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly permits: Permits;
  private readonly inFlight: InFlight[] = [];
  private pending: PendingDocument[] = [];
  private pendingChunks = 0;
  private settled = 0;

  constructor(
    private readonly kbs: KnowledgeBaseStore,
    private readonly gateway: EmbeddingGateway,
    private readonly kb: KnowledgeBase,
    private readonly opts: PipelineOptions = {},
  ) {
    this.batchSize = positiveInt('batchSize', opts.batchSize, DEFAULT_BATCH);
    this.concurrency = positiveInt('concurrency', opts.concurrency, DEFAULT_CONCURRENCY);
    this.permits = new Permits(this.concurrency);
  }

  /** Reports a file that could not be loaded (the run goes on). */
  skipped(relPath: string, reason: string): void {
    this.summary.skipped.push({ path: relPath, reason });
    this.progress(relPath, 'skipped');
  }

  /** Reports a document whose content hash is already stored. */
  unchanged(relPath: string): void {
    this.summary.unchanged++;
    this.progress(relPath, 'unchanged');
  }

  /** Chunks a document and queues it; may wait for the oldest batch to be written when enough are in flight. */
  async add(doc: LoadedDocument): Promise<void> {
    let chunked: ReturnType<typeof chunkDocument>;
    try {
      chunked = chunkDocument({ documentId: doc.id, text: doc.text, pageStarts: doc.pageStarts }, this.kb.config.chunking);
    } catch (e) {
      // the old version (if any) stays searchable: a document that fails now is not a document that is gone
      this.skipped(doc.relPath, `Cannot chunk: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.pending.push({ doc, chunks: chunked.chunks, parents: chunked.parents });
    this.pendingChunks += chunked.chunks.length;
    if (this.pendingChunks >= this.batchSize) await this.launch();
  }

  /** Embeds and writes everything queued; returns the summary (seconds are the caller's). */
  async finish(): Promise<IngestSummary> {
    if (this.pending.length > 0) await this.launch();
    while (this.inFlight.length > 0) await this.writeOldest();
    await this.kbs.flush();
    return this.summary;
  }

  private async launch(): Promise<void> {
    const docs = this.pending;
    this.pending = [];
    this.pendingChunks = 0;
    const texts = docs.flatMap((p) => p.chunks.map((c) => c.text));
    const calls: Promise<Float32Array[]>[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) calls.push(this.permits.run(() => this.embed(texts.slice(i, i + this.batchSize))));
    const vectors = Promise.all(calls).then((parts) => parts.flat());
    // a later batch may fail while an earlier one is awaited: its rejection is seen when its turn comes
    vectors.catch(() => {});
    this.inFlight.push({ docs, vectors });
    while (this.inFlight.length > this.concurrency) await this.writeOldest();
  }

  private async embed(input: string[]): Promise<Float32Array[]> {
    const res = await this.gateway.embed({ model: this.kb.config.embeddingModel, input, inputType: 'document', caller: { tenant: this.kb.tenant }, tags: { feature: 'ingest' } });
    if (res.vectors.length !== input.length) {
      throw new StrataError('internal', `The embedder returned ${res.vectors.length} vectors for ${input.length} texts.`);
    }
    this.summary.embeddingTokens += res.inputTokens;
    return res.vectors.map(normalize);
  }

  private async writeOldest(): Promise<void> {
    const batch = this.inFlight.shift()!;
    const vectors = await batch.vectors;
    let at = 0;
    for (const p of batch.docs) {
      const mine = vectors.slice(at, at + p.chunks.length);
      at += p.chunks.length;
      await this.kbs.engine.replaceDocument(this.kb.id, { docId: p.doc.id, relPath: p.doc.relPath, contentHash: p.doc.contentHash, metadata: JSON.stringify(p.doc.metadata) }, storedChunks(p, mine));
      this.summary.documents++;
      this.summary.chunks += p.chunks.length;
      for (const c of p.chunks) this.summary.tokens += c.tokenCount;
      this.progress(p.doc.relPath, 'ingested');
    }
  }

  private progress(relPath: string, status: IngestProgress['status']): void {
    this.settled++;
    this.opts.onProgress?.({ seen: this.settled, relPath, status });
  }
}

function storedChunks(p: PendingDocument, vectors: Float32Array[]): StoredChunk[] {
  return p.chunks.map((c, i) => ({
    ordinal: c.ordinal,
    text: c.text,
    lexicalText: lexicalText(c.text),
    tokenCount: c.tokenCount,
    start: c.start,
    end: c.end,
    headingPath: c.headingPath,
    page: c.page ?? null,
    parentText: c.parentOrdinal === undefined ? null : (p.parents?.[c.parentOrdinal]?.text ?? null),
    embedding: vectors[i]!,
  }));
}
