import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { StrataError } from '../../core/index.js';
import { contentHashOf, loadFile, type DocumentMetadata, type LoadedDocument, type MetadataValue } from '../loaders/index.js';
import { IngestPipeline, type PipelineOptions } from './ingest-pipeline.js';
import type { KnowledgeBaseStore } from './kb-store.js';
import type { EmbeddingGateway, IngestSummary, KnowledgeBase, UploadedDocumentInput } from './types.js';

const MAX_FILE_NAME = 1024;

/** The upload's name as a relPath (POSIX, relative, no `..`), or the reason it cannot be one. */
function relPathOf(fileName: unknown): string | { reason: string } {
  if (typeof fileName !== 'string' || fileName.trim() === '') return { reason: 'The document has no fileName.' };
  if (fileName.length > MAX_FILE_NAME) return { reason: `The fileName is longer than ${MAX_FILE_NAME} characters.` };
  const rel = fileName.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel) || rel.split('/').some((s) => s === '..' || s === '')) {
    return { reason: `fileName '${fileName}' must be a relative name such as 'guides/setup.md' (no '..', no leading '/').` };
  }
  return rel;
}

function isMetadataValue(v: unknown): v is MetadataValue {
  if (typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** API metadata under the same rules as a sidecar's attributes, or the reason it is refused. */
function metadataOf(raw: unknown): { metadata: DocumentMetadata } | { reason: string } {
  if (raw === undefined) return { metadata: {} };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { reason: 'metadata must be an object of attributes.' };
  const metadata: DocumentMetadata = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.trim() === '') return { reason: 'metadata has an attribute with an empty name.' };
    if (!isMetadataValue(value)) return { reason: `Metadata attribute "${key}" must be a string, a finite number, a boolean or a list of strings.` };
    metadata[key] = value;
  }
  return { metadata };
}

/**
 * Loads one upload with the file loaders (written to a private temp folder under a neutral name with the same
 * extension, so the loader sees exactly the bytes and the format the name says). API metadata plays the
 * sidecar's part: the loader's own keys (`source`, `format`, record fields) win over it.
 */
async function loadUpload(relPath: string, content: Buffer, metadata: DocumentMetadata): Promise<LoadedDocument[]> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-upload-'));
  try {
    const path = join(dir, `document${extname(relPath).toLowerCase()}`);
    await writeFile(path, content);
    const docs = await loadFile(path, relPath);
    return docs.map((d) => {
      const merged: LoadedDocument = { ...d, sourcePath: relPath, metadata: { ...metadata, ...d.metadata } };
      merged.contentHash = contentHashOf(merged);
      return merged;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Ingests documents sent over the API (bytes + file name): the same loaders, chunking, embedding and atomic
 * writes as folder ingestion. A document that cannot be loaded (unsupported type, corrupt, empty, bad name or
 * metadata) is reported in `skipped` and the rest go on; unchanged content is skipped by its hash.
 */
export async function ingestDocuments(
  kbs: KnowledgeBaseStore,
  gateway: EmbeddingGateway,
  kb: KnowledgeBase,
  docs: UploadedDocumentInput[],
  opts: PipelineOptions = {},
): Promise<IngestSummary> {
  if (!Array.isArray(docs)) throw new StrataError('invalid_request', 'documents must be a list of { fileName, content, metadata? }.');
  const started = performance.now();
  const pipeline = new IngestPipeline(kbs, gateway, kb, opts);
  const existing = new Map((await kbs.documents(kb)).map((d) => [d.docId, d.contentHash]));
  const names = new Set<string>();
  for (const upload of docs) {
    const rel = relPathOf(upload?.fileName);
    if (typeof rel !== 'string') {
      pipeline.skipped(String(upload?.fileName ?? ''), rel.reason);
      continue;
    }
    if (names.has(rel)) {
      pipeline.skipped(rel, 'The same fileName appears twice in this upload; send each document once.');
      continue;
    }
    names.add(rel);
    const meta = metadataOf(upload.metadata);
    if ('reason' in meta) {
      pipeline.skipped(rel, meta.reason);
      continue;
    }
    if (!((upload.content as unknown) instanceof Uint8Array)) {
      pipeline.skipped(rel, 'The document has no content bytes.');
      continue;
    }
    let loaded: LoadedDocument[];
    try {
      loaded = await loadUpload(rel, Buffer.from(upload.content), meta.metadata);
    } catch (e) {
      pipeline.skipped(rel, e instanceof Error ? e.message : String(e));
      continue;
    }
    for (const doc of loaded) {
      if (existing.get(doc.id) === doc.contentHash) pipeline.unchanged(doc.relPath);
      else await pipeline.add(doc);
    }
  }
  const summary = await pipeline.finish();
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
