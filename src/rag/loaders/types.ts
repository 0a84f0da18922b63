/** The formats the loaders understand; the file extension decides which one applies. */
export type DocumentFormat = 'txt' | 'md' | 'html' | 'pdf' | 'docx' | 'csv' | 'json';

/** A metadata value, the same value kinds Bedrock Knowledge Bases allow in filters. */
export type MetadataValue = string | number | boolean | string[];

/** Metadata of one document: file-level keys, sidecar attributes and record fields. */
export type DocumentMetadata = Record<string, MetadataValue>;

/** One loaded document: extracted text plus what is needed to cite, filter and detect changes. */
export interface LoadedDocument {
  /**
   * Stable id: the first 32 hex digits of sha256 over the relPath (POSIX separators), and for
   * csv/json records over `relPath#<idField value>` or `relPath#<record index>`. A hash rather than
   * the path itself so that ids have one length and one alphabet whatever the file names hold.
   */
  id: string;
  /** absolute path of the file */
  sourcePath: string;
  /** path relative to the ingest root, with `/` separators */
  relPath: string;
  format: DocumentFormat;
  title?: string;
  text: string;
  /** pdf: the character offset in `text` where each page starts (index 0 = page 1) */
  pageStarts?: number[];
  metadata: DocumentMetadata;
  /** sha256 over text, title, pageStarts and metadata: unchanged hash → nothing to re-ingest */
  contentHash: string;
  /** csv/json: position of the row/object in the file (0-based, header excluded) */
  recordIndex?: number;
}

/** Field choice for record formats (csv rows, json objects). */
export interface RecordFieldOptions {
  /** fields whose values make the text; default: every field as `name: value` lines */
  textFields?: string[];
  /**
   * fields copied into metadata; default: every field not in textFields when textFields is set,
   * otherwise none (everything is already in the text)
   */
  metadataFields?: string[];
  /** field whose value identifies the record, so ids survive reordering; default: record index */
  idField?: string;
}

export interface JsonRecordOptions extends RecordFieldOptions {
  /** dot path to the array of records inside the file, e.g. `data.items` */
  recordsPath?: string;
}

export interface LoadOptions {
  /** globs over relPath; a file must match one of them (default: every file) */
  include?: string[];
  /** globs over relPath; a file matching any of them is skipped silently */
  exclude?: string[];
  csv?: RecordFieldOptions;
  json?: JsonRecordOptions;
  /** files larger than this are reported, not read (default 50 MB) */
  maxFileBytes?: number;
}

/** A file that could not be loaded; the walk reports it and goes on. */
export interface LoadProblem {
  /** absolute path of the file (or folder) */
  path: string;
  /** path relative to the ingest root, so that a sync keeps the documents of a file still there */
  relPath: string;
  reason: string;
}

export type LoadResult = { document: LoadedDocument } | { problem: LoadProblem };

export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;

/** Suffix of Bedrock-style metadata sidecars: `<file>.metadata.json`. */
export const SIDECAR_SUFFIX = '.metadata.json';
