import { sha256Hex } from '../../core/index.js';
import type { DocumentFormat, DocumentMetadata, LoadedDocument } from './types.js';

/** The part of a document a format extractor produces; ids and hashes are added here. */
export interface ExtractedDocument {
  text: string;
  title?: string;
  pageStarts?: number[];
  /** format-specific metadata (record fields, page count) */
  metadata?: DocumentMetadata;
  recordIndex?: number;
  /** the record's own key (idField value); falls back to recordIndex for records */
  recordKey?: string;
}

/** Where a file sits and what surrounds it; shared by every document of the file. */
export interface FileContext {
  sourcePath: string;
  relPath: string;
  format: DocumentFormat;
  sidecar: DocumentMetadata;
}

/** Stable document id: 128 bits of sha256 over the relPath (and the record key for records). */
export function documentId(relPath: string, recordKey?: string): string {
  const key = recordKey === undefined ? relPath : `${relPath}#${recordKey}`;
  return sha256Hex(key).slice(0, 32);
}

/** Metadata as JSON with sorted keys, so that key order never changes a hash. */
function canonicalMetadata(metadata: DocumentMetadata): string {
  const keys = Object.keys(metadata).sort();
  return JSON.stringify(keys.map((k) => [k, metadata[k]]));
}

/** sha256 over everything that would change what gets indexed. */
export function contentHashOf(doc: Pick<LoadedDocument, 'text' | 'title' | 'pageStarts' | 'metadata'>): string {
  return sha256Hex(
    JSON.stringify([doc.text, doc.title ?? null, doc.pageStarts ?? null, canonicalMetadata(doc.metadata)]),
  );
}

/**
 * Assembles a LoadedDocument. Precedence of metadata keys: sidecar < record fields < file-level
 * keys (`source`, `format`, `pageCount`), so that a filter on `source` can always be trusted.
 */
export function finishDocument(file: FileContext, extracted: ExtractedDocument): LoadedDocument {
  const metadata: DocumentMetadata = {
    ...file.sidecar,
    ...(extracted.metadata ?? {}),
    source: file.relPath,
    format: file.format,
  };
  if (extracted.pageStarts !== undefined) metadata.pageCount = extracted.pageStarts.length;
  const recordKey = extracted.recordKey ?? (extracted.recordIndex === undefined ? undefined : String(extracted.recordIndex));
  const doc: LoadedDocument = {
    id: documentId(file.relPath, recordKey),
    sourcePath: file.sourcePath,
    relPath: file.relPath,
    format: file.format,
    text: extracted.text,
    metadata,
    contentHash: '',
  };
  if (extracted.title !== undefined) doc.title = extracted.title;
  if (extracted.pageStarts !== undefined) doc.pageStarts = extracted.pageStarts;
  if (extracted.recordIndex !== undefined) doc.recordIndex = extracted.recordIndex;
  doc.contentHash = contentHashOf(doc);
  return doc;
}
