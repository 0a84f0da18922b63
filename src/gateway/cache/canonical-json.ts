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
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  if (!isRecord(value)) return 'null';
  const keys = Object.keys(value);
  // objects built by our own code list their keys in order already: sort only when they are not
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  for (const k of keys) {
    const v = value[k];
    if (v === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}
