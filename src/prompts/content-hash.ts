import { sha256Hex } from '../core/index.js';
import type { PromptContent } from './types.js';

/**
 * JSON with object keys sorted at every level and undefined members left out, so that one value has
 * one text whatever the key order it was built (or written in YAML) with. Arrays keep their order:
 * the order of messages is meaning.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v: unknown) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Hex SHA-256 of a prompt's canonical content: the same for the same prompt whatever its YAML
 * formatting, key order or comments (the commit message is not content). Hash validated content
 * (validatePromptContent normalises defaults and tag order) so that equal prompts hash alike.
 */
export function promptContentHash(content: PromptContent): string {
  return sha256Hex(canonicalJson(content));
}
