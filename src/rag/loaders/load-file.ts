import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { StrataError } from '../../core/index.js';
import { docxDocument } from './docx.js';
import { finishDocument, type ExtractedDocument } from './document.js';
import { decodeHtmlBytes, htmlToText } from './html-text.js';
import { markdownTitle } from './markdown.js';
import { pdfDocument } from './pdf.js';
import { csvDocuments, jsonDocuments } from './records.js';
import { readSidecar } from './sidecar.js';
import { DEFAULT_MAX_FILE_BYTES, SIDECAR_SUFFIX, type DocumentFormat, type LoadedDocument, type LoadOptions } from './types.js';

const FORMAT_BY_EXTENSION: Record<string, DocumentFormat> = {
  '.txt': 'txt',
  '.text': 'txt',
  '.md': 'md',
  '.markdown': 'md',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
  '.docx': 'docx',
  '.csv': 'csv',
  '.json': 'json',
};

/** The format a file name maps to, or undefined when no loader handles it. */
export function formatOf(path: string): DocumentFormat | undefined {
  return FORMAT_BY_EXTENSION[extname(path).toLowerCase()];
}

/**
 * Plain text must be UTF-8. A NUL byte or an invalid sequence means the file is binary or in
 * another encoding; indexing mojibake would poison search results, so the file is rejected.
 */
function decodeUtf8Text(bytes: Uint8Array): string {
  if (bytes.subarray(0, 8192).includes(0)) {
    throw new StrataError('invalid_request', 'The file looks binary (it contains NUL bytes), not text.');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new StrataError('invalid_request', 'The file is not valid UTF-8 text; convert it to UTF-8 first.');
  }
}

/** CRLF and lone CR become LF, so character offsets mean the same on every platform. */
function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

async function extract(format: DocumentFormat, bytes: Uint8Array, opts: LoadOptions): Promise<ExtractedDocument[]> {
  switch (format) {
    case 'txt':
      return [{ text: normalizeNewlines(decodeUtf8Text(bytes)) }];
    case 'md': {
      // kept as written (headings, lists, code): the recursive chunker reads the Markdown
      const text = normalizeNewlines(decodeUtf8Text(bytes));
      const title = markdownTitle(text);
      return [title === undefined ? { text } : { text, title }];
    }
    case 'html':
      return [htmlToText(normalizeNewlines(decodeHtmlBytes(bytes)))];
    case 'pdf':
      return [await pdfDocument(bytes)];
    case 'docx':
      return [docxDocument(bytes)];
    case 'csv':
      // before parsing, so that newlines inside quoted fields reach the text as LF too
      return csvDocuments(normalizeNewlines(decodeUtf8Text(bytes)), opts.csv);
    case 'json':
      return jsonDocuments(decodeUtf8Text(bytes), opts.json);
  }
}

/**
 * Loads one file into documents (one, or one per record for csv/json), with its sidecar metadata.
 * Throws StrataError('invalid_request') naming the reason when the file is unsupported, too
 * large, corrupt, has no text, or its sidecar is malformed.
 */
export async function loadFile(path: string, relPath: string, opts: LoadOptions = {}): Promise<LoadedDocument[]> {
  const rel = relPath.replace(/\\/g, '/').replace(/^\.\//, '');
  if (rel.endsWith(SIDECAR_SUFFIX)) {
    throw new StrataError('invalid_request', `${rel} is a metadata sidecar; it describes ${rel.slice(0, -SIDECAR_SUFFIX.length)} and is not a document.`);
  }
  const format = formatOf(path);
  if (format === undefined) {
    const ext = extname(path);
    throw new StrataError(
      'invalid_request',
      `Unsupported file type${ext.length > 0 ? ` "${ext}"` : ' (no extension)'}; supported: ${Object.keys(FORMAT_BY_EXTENSION).join(', ')}.`,
    );
  }
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new StrataError('invalid_request', 'Not a regular file.');
    if (info.size > maxBytes) {
      throw new StrataError('invalid_request', `The file is ${info.size} bytes, over the ${maxBytes}-byte limit (maxFileBytes).`);
    }
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof StrataError) throw e;
    throw new StrataError('invalid_request', `Cannot read the file: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const sidecar = await readSidecar(path);

  let extracted: ExtractedDocument[];
  try {
    extracted = await extract(format, bytes, opts);
  } catch (e) {
    if (e instanceof StrataError) throw e;
    // parser bugs or odd inputs must not escape as stack traces: the file is what is wrong
    throw new StrataError('invalid_request', `Cannot read this ${format} file: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (extracted.every((d) => d.text.trim().length === 0)) {
    const hint = format === 'pdf' ? ' (a scanned PDF needs OCR first)' : '';
    throw new StrataError('invalid_request', `No extractable text${hint}.`);
  }
  const file = { sourcePath: resolve(path), relPath: rel, format, sidecar };
  return extracted.map((d) => finishDocument(file, d));
}
