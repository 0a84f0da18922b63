import { isRecord } from '../../core/index.js';

/**
 * JSON with object keys sorted at every depth and undefined-valued properties dropped, so two
 * structurally equal values encode to the same string whatever order their keys were written in.
 * Array order is kept: in messages, stop lists and tool lists order is part of what the model sees.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // JSON has no NaN/Infinity; mirroring JSON.stringify keeps the encoding total instead of throwing
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      break;
    default:
      // undefined, functions and symbols cannot come from a JSON request body; encode like JSON does in arrays
      return 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v: unknown) => canonicalJson(v)).join(',')}]`;
  if (!isRecord(value)) return 'null';
  const parts: string[] = [];
  for (const k of Object.keys(value).sort()) {
    const v = value[k];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
