import { readFile } from 'node:fs/promises';
import { StrataError } from '../../core/index.js';
import { SIDECAR_SUFFIX, type DocumentMetadata, type MetadataValue } from './types.js';

/*
 * Bedrock Knowledge Bases metadata sidecars: `<file>.metadata.json` next to the file, holding
 * `{"metadataAttributes": {"year": 2024, "tags": ["a", "b"]}}`. Bedrock also accepts a typed
 * form per attribute, `{"value": {"type": "NUMBER", "numberValue": 2024}, "includeForEmbedding": …}`;
 * both are read so that sidecars written for Bedrock work here unchanged.
 */

const MAX_SIDECAR_BYTES = 1024 * 1024;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function plainValue(v: unknown): MetadataValue | undefined {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return v;
  return undefined;
}

/** Bedrock's typed attribute form; undefined when the object is not one. */
function typedValue(v: Record<string, unknown>): MetadataValue | undefined {
  const inner = v.value;
  if (!isPlainObject(inner)) return undefined;
  switch (inner.type) {
    case 'STRING':
      return typeof inner.stringValue === 'string' ? inner.stringValue : undefined;
    case 'NUMBER':
      return typeof inner.numberValue === 'number' && Number.isFinite(inner.numberValue) ? inner.numberValue : undefined;
    case 'BOOLEAN':
      return typeof inner.booleanValue === 'boolean' ? inner.booleanValue : undefined;
    case 'STRING_LIST':
      return plainValue(inner.stringListValue);
    default:
      return undefined;
  }
}

/** Validates a parsed sidecar; throws with the offending attribute named. */
export function parseSidecar(json: string): DocumentMetadata {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.charCodeAt(0) === 0xfeff ? json.slice(1) : json);
  } catch (e) {
    throw new StrataError('invalid_request', `Metadata sidecar is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
  if (!isPlainObject(parsed) || !isPlainObject(parsed.metadataAttributes)) {
    throw new StrataError('invalid_request', 'Metadata sidecar must be an object with a "metadataAttributes" object.');
  }
  const out: DocumentMetadata = {};
  for (const [key, raw] of Object.entries(parsed.metadataAttributes)) {
    if (key.trim().length === 0) throw new StrataError('invalid_request', 'Metadata sidecar has an attribute with an empty name.');
    const value = isPlainObject(raw) ? typedValue(raw) : plainValue(raw);
    if (value === undefined) {
      throw new StrataError(
        'invalid_request',
        `Metadata attribute "${key}" must be a string, a finite number, a boolean or a list of strings.`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** Reads `<path>.metadata.json` if it exists; no sidecar means no extra metadata. */
export async function readSidecar(path: string): Promise<DocumentMetadata> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path + SIDECAR_SUFFIX);
  } catch (e) {
    if (isNodeError(e) && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return {};
    throw new StrataError('invalid_request', `Cannot read metadata sidecar: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (bytes.length > MAX_SIDECAR_BYTES) {
    throw new StrataError('invalid_request', `Metadata sidecar is larger than ${MAX_SIDECAR_BYTES} bytes.`);
  }
  return parseSidecar(bytes.toString('utf8'));
}

export function isNodeError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && 'code' in e;
}
