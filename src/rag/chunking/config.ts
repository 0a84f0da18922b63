import { StrataError, isRecord } from '../../core/index.js';
import {
  CHUNKING_DEFAULTS,
  MAX_CHUNK_TOKENS,
  MIN_CHUNK_TOKENS,
  type ChunkingStrategy,
  type ResolvedChunkingConfig,
} from './types.js';

const FIELDS: Record<ChunkingStrategy, readonly string[]> = {
  fixed: ['maxTokens', 'overlapRatio'],
  recursive: ['maxTokens', 'overlapRatio'],
  hierarchical: ['parentTokens', 'childTokens', 'overlapRatio'],
  semantic: ['maxTokens', 'breakpointPercentile'],
  none: [],
};

function isStrategy(v: unknown): v is ChunkingStrategy {
  return typeof v === 'string' && Object.hasOwn(FIELDS, v);
}

function invalid(message: string): StrataError {
  return new StrataError('invalid_request', `Invalid chunking config: ${message}.`);
}

function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  // JSON.stringify gives undefined for functions and symbols: name their type instead.
  return JSON.stringify(v) ?? typeof v;
}

function tokenField(raw: Record<string, unknown>, field: string, fallback: number): number {
  const v = raw[field];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < MIN_CHUNK_TOKENS || v > MAX_CHUNK_TOKENS) {
    throw invalid(`${field} must be an integer from ${MIN_CHUNK_TOKENS} to ${MAX_CHUNK_TOKENS} tokens (got ${shown(v)})`);
  }
  return v;
}

function overlapField(raw: Record<string, unknown>): number {
  const v = raw.overlapRatio;
  if (v === undefined) return CHUNKING_DEFAULTS.overlapRatio;
  // A ratio of 1 would never advance; 15 instead of 0.15 is the usual slip, so say it is a fraction.
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) {
    throw invalid(`overlapRatio must be a fraction of the chunk size, at least 0 and below 1, e.g. 0.15 (got ${shown(v)})`);
  }
  return v;
}

function percentileField(raw: Record<string, unknown>): number {
  const v = raw.breakpointPercentile;
  if (v === undefined) return CHUNKING_DEFAULTS.breakpointPercentile;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) {
    throw invalid(`breakpointPercentile must be a number from 0 to 100, e.g. 95 (got ${shown(v)})`);
  }
  return v;
}

/**
 * Checks a chunking config from a user (API, CLI, strata.yaml) and fills in the defaults; throws
 * StrataError('invalid_request') naming the field at fault. Unknown fields are rejected because a typo
 * (`maxToken`) would otherwise silently fall back to a default.
 */
export function validateChunkingConfig(raw: unknown): ResolvedChunkingConfig {
  if (!isRecord(raw)) throw invalid(`expected an object such as {"strategy": "fixed", "maxTokens": 512} (got ${shown(raw)})`);
  const strategy = raw.strategy;
  if (!isStrategy(strategy)) {
    throw invalid(`strategy must be one of ${Object.keys(FIELDS).join(', ')} (got ${shown(strategy)})`);
  }
  const allowed = FIELDS[strategy];
  for (const key of Object.keys(raw)) {
    if (key !== 'strategy' && !allowed.includes(key)) {
      const hint = allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'it takes no options';
      throw invalid(`unknown field "${key}" for strategy "${strategy}" (${hint})`);
    }
  }
  switch (strategy) {
    case 'fixed':
    case 'recursive':
      return { strategy, maxTokens: tokenField(raw, 'maxTokens', CHUNKING_DEFAULTS.maxTokens), overlapRatio: overlapField(raw) };
    case 'hierarchical': {
      const parentTokens = tokenField(raw, 'parentTokens', CHUNKING_DEFAULTS.parentTokens);
      const childTokens = tokenField(raw, 'childTokens', CHUNKING_DEFAULTS.childTokens);
      if (childTokens >= parentTokens) {
        throw invalid(`childTokens (${childTokens}) must be smaller than parentTokens (${parentTokens})`);
      }
      return { strategy, parentTokens, childTokens, overlapRatio: overlapField(raw) };
    }
    case 'semantic':
      return {
        strategy,
        maxTokens: tokenField(raw, 'maxTokens', CHUNKING_DEFAULTS.maxTokens),
        breakpointPercentile: percentileField(raw),
      };
    case 'none':
      return { strategy };
  }
}
