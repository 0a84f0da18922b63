import { StrataError, isRecord } from '../../core/index.js';
import { parseCsv } from './csv.js';
import type { ExtractedDocument } from './document.js';
import type { DocumentMetadata, JsonRecordOptions, MetadataValue, RecordFieldOptions } from './types.js';

/*
 * CSV rows and JSON objects become one document each. Field choice follows Bedrock's CSV
 * customisation: content fields make the text, metadata fields become filterable attributes.
 */

type Field = { name: string; value: unknown };

/** `007` and `02134` stay strings: a leading zero marks an identifier, not a quantity. */
const NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A CSV cell as a metadata value: numbers and booleans typed when they parse cleanly. */
export function typedCell(raw: string): MetadataValue {
  const s = raw.trim();
  if (NUMBER_RE.test(s)) {
    const n = Number(s);
    if (Number.isFinite(n)) return n;
  }
  const lower = s.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return s;
}

function jsonMetadataValue(value: unknown): MetadataValue | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value;
  if (value === null || value === undefined) return undefined;
  // nested objects and mixed arrays keep their content, as JSON text, rather than vanish
  return JSON.stringify(value);
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function checkKnown(kind: string, names: readonly string[] | undefined, known: ReadonlySet<string>, what: string): void {
  for (const n of names ?? []) {
    if (!known.has(n)) {
      throw new StrataError('invalid_request', `${kind} field "${n}" is not a ${what}; known: ${[...known].slice(0, 20).join(', ')}.`);
    }
  }
}

/** Builds the documents of a record file once every record is a list of named fields. */
function recordsToDocuments(
  records: { fields: Field[]; get: (name: string) => unknown }[],
  opts: RecordFieldOptions,
  toMeta: (value: unknown) => MetadataValue | undefined,
): ExtractedDocument[] {
  const docs: ExtractedDocument[] = [];
  const seenKeys = new Set<string>();
  records.forEach((record, recordIndex) => {
    const textFields = opts.textFields;
    const text = (
      textFields === undefined
        ? record.fields
            .map((f) => ({ name: f.name, text: textOf(f.value).trim() }))
            .filter((f) => f.text.length > 0)
            .map((f) => `${f.name}: ${f.text}`)
            .join('\n')
        : textFields.map((n) => textOf(record.get(n)).trim()).filter((v) => v.length > 0).join('\n')
    ).trim();
    const metaNames =
      opts.metadataFields ?? (textFields === undefined ? [] : record.fields.map((f) => f.name).filter((n) => !textFields.includes(n)));
    const metadata: DocumentMetadata = {};
    for (const name of metaNames) {
      const v = toMeta(record.get(name));
      if (v !== undefined && v !== '') metadata[name] = v;
    }
    const doc: ExtractedDocument = { text, metadata, recordIndex };
    if (opts.idField !== undefined) {
      const key = textOf(record.get(opts.idField)).trim();
      if (key.length === 0) {
        throw new StrataError('invalid_request', `Record ${recordIndex} has no value in id field "${opts.idField}".`);
      }
      if (seenKeys.has(key)) {
        throw new StrataError('invalid_request', `Id "${key}" (field "${opts.idField}") appears in more than one record.`);
      }
      seenKeys.add(key);
      doc.recordKey = key;
    }
    // a record with nothing to index is left out; its neighbours keep their indexes and ids
    if (text.length > 0) docs.push(doc);
  });
  if (docs.length === 0) throw new StrataError('invalid_request', 'No record has any text in the chosen fields.');
  return docs;
}

/** One document per CSV row (the first row names the fields). */
export function csvDocuments(text: string, opts: RecordFieldOptions = {}): ExtractedDocument[] {
  const table = parseCsv(text);
  const known = new Set(table.header);
  checkKnown('Text', opts.textFields, known, 'CSV column');
  checkKnown('Metadata', opts.metadataFields, known, 'CSV column');
  checkKnown('Id', opts.idField === undefined ? undefined : [opts.idField], known, 'CSV column');
  const records = table.rows.map((row) => {
    const fields = table.header.map((name, i) => ({ name, value: row.values[i] ?? '' }));
    const byName = new Map(fields.map((f) => [f.name, f.value]));
    return { fields, get: (name: string) => byName.get(name) };
  });
  return recordsToDocuments(records, opts, (v) => (typeof v === 'string' ? typedCell(v) : undefined));
}

/** Follows a dot path (`data.items`, `results.0.hits`) into parsed JSON. */
function atPath(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (node !== null && typeof node === 'object' && !Array.isArray(node)) node = (node as Record<string, unknown>)[key];
    else return undefined;
  }
  return node;
}


/**
 * One document per object of a JSON array (the file's root, or the array at recordsPath). A root
 * that is a single object is one record, so a folder of small JSON documents loads as expected.
 * Field names may be dot paths into nested objects (`author.name`).
 */
export function jsonDocuments(text: string, opts: JsonRecordOptions = {}): ExtractedDocument[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new StrataError('invalid_request', `Invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  let list: unknown = parsed;
  if (opts.recordsPath !== undefined) {
    list = atPath(parsed, opts.recordsPath);
    if (!Array.isArray(list)) throw new StrataError('invalid_request', `recordsPath "${opts.recordsPath}" is not an array in this file.`);
  } else if (isRecord(parsed)) {
    list = [parsed];
  }
  if (!Array.isArray(list)) {
    throw new StrataError('invalid_request', 'Expected an array of objects (or set json.recordsPath to the array inside the file).');
  }
  const records = list.map((item: unknown, i) => {
    if (!isRecord(item)) throw new StrataError('invalid_request', `Record ${i} is not an object.`);
    const fields = Object.entries(item).map(([name, value]) => ({ name, value }));
    return { fields, get: (name: string) => (name in item ? item[name] : atPath(item, name)) };
  });
  return recordsToDocuments(records, opts, jsonMetadataValue);
}
