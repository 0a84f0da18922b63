import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/core/index.js';
import { chunkDocument, validateChunkingConfig } from '../../../src/rag/chunking/index.js';

function rejection(raw: unknown): StrataError {
  try {
    validateChunkingConfig(raw);
  } catch (e) {
    if (e instanceof StrataError) return e;
    throw e;
  }
  throw new Error('expected the config to be rejected');
}

describe('validateChunkingConfig', () => {
  it('fills in the defaults so that a knowledge base can record the exact config', () => {
    expect(validateChunkingConfig({ strategy: 'fixed' })).toEqual({ strategy: 'fixed', maxTokens: 512, overlapRatio: 0.15 });
    expect(validateChunkingConfig({ strategy: 'recursive', maxTokens: 256 })).toEqual({ strategy: 'recursive', maxTokens: 256, overlapRatio: 0.15 });
    expect(validateChunkingConfig({ strategy: 'hierarchical' })).toEqual({ strategy: 'hierarchical', parentTokens: 1500, childTokens: 300, overlapRatio: 0.15 });
    expect(validateChunkingConfig({ strategy: 'semantic' })).toEqual({ strategy: 'semantic', maxTokens: 512, breakpointPercentile: 95 });
    expect(validateChunkingConfig({ strategy: 'none' })).toEqual({ strategy: 'none' });
  });

  it.each([
    [null, /expected an object/],
    [{ strategy: 'sliding' }, /strategy must be one of fixed, recursive, hierarchical, semantic, none \(got "sliding"\)/],
    [{ strategy: 'fixed', overlapRatio: 1 }, /overlapRatio must be a fraction .* below 1/],
    [{ strategy: 'fixed', overlapRatio: 15 }, /overlapRatio .*got 15/],
    [{ strategy: 'fixed', overlapRatio: -0.1 }, /overlapRatio/],
    [{ strategy: 'fixed', maxTokens: 8 }, /maxTokens must be an integer from 16 to 8192 tokens \(got 8\)/],
    [{ strategy: 'recursive', maxTokens: 10_000 }, /maxTokens .*got 10000/],
    [{ strategy: 'fixed', maxTokens: 100.5 }, /maxTokens/],
    [{ strategy: 'fixed', maxTokens: '512' }, /maxTokens .*got "512"/],
    [{ strategy: 'hierarchical', parentTokens: 300, childTokens: 300 }, /childTokens \(300\) must be smaller than parentTokens \(300\)/],
    [{ strategy: 'semantic', breakpointPercentile: 101 }, /breakpointPercentile must be a number from 0 to 100/],
    [{ strategy: 'fixed', maxToken: 512 }, /unknown field "maxToken" for strategy "fixed" \(allowed: maxTokens, overlapRatio\)/],
    [{ strategy: 'none', maxTokens: 512 }, /unknown field "maxTokens" .*takes no options/],
  ])('rejects %j with invalid_request and a clear message', (raw, message) => {
    const e = rejection(raw);
    expect(e.code).toBe('invalid_request');
    expect(e.status).toBe(400);
    expect(e.message).toMatch(message);
  });

  it('is applied by chunkDocument too, for callers that bypass the types', () => {
    const config = JSON.parse('{"strategy": "fixed", "overlapRatio": 1.5}') as { strategy: 'fixed' };
    expect(() => chunkDocument({ documentId: 'd', text: 'Some text.' }, config)).toThrow(StrataError);
  });
});
