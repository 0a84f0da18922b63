/** Document loaders: files and folders → text + metadata, ready for chunking. No I/O beyond reading. */
export { loadPath } from './load-path.js';
export { loadFile, formatOf } from './load-file.js';
export { compileGlobs, matchesGlob } from './glob.js';
export { htmlToText, type HtmlText } from './html-text.js';
export { parseCsv, type CsvTable } from './csv.js';
export { parseSidecar } from './sidecar.js';
export { documentId, contentHashOf } from './document.js';
export {
  DEFAULT_MAX_FILE_BYTES,
  SIDECAR_SUFFIX,
  type DocumentFormat,
  type DocumentMetadata,
  type JsonRecordOptions,
  type LoadedDocument,
  type LoadOptions,
  type LoadProblem,
  type LoadResult,
  type MetadataValue,
  type RecordFieldOptions,
} from './types.js';
