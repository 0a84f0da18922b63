import { StrataError } from '../core/index.js';
import type { GatewayEmbeddingResponse } from '../gateway/index.js';

export interface ParsedEmbeddingBody {
  model: string;
  input: string[];
  dimensions?: number;
  encodingFormat: 'float' | 'base64';
}

const MAX_INPUTS = 2048;

/** Validates an OpenAI embeddings body (string or string[] input; token-id input is not supported). */
export function parseEmbeddingBody(body: unknown): ParsedEmbeddingBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new StrataError('invalid_request', 'The request body must be a JSON object.');
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') throw new StrataError('invalid_request', "'model' is required: an embedding model alias.", { details: { param: 'model' } });
  let input: string[];
  if (typeof b.input === 'string') input = [b.input];
  else if (Array.isArray(b.input) && b.input.length > 0 && b.input.every((x) => typeof x === 'string')) input = b.input;
  else throw new StrataError('invalid_request', "'input' must be a non-empty string or a non-empty array of strings.", { details: { param: 'input' } });
  if (input.length > MAX_INPUTS) throw new StrataError('invalid_request', `'input' may hold at most ${MAX_INPUTS} strings.`, { details: { param: 'input' } });
  if (input.some((s) => s.length === 0)) throw new StrataError('invalid_request', "'input' strings must not be empty.", { details: { param: 'input' } });
  const fmt = b.encoding_format ?? 'float';
  if (fmt !== 'float' && fmt !== 'base64') throw new StrataError('invalid_request', "'encoding_format' must be 'float' or 'base64'.", { details: { param: 'encoding_format' } });
  let dimensions: number | undefined;
  if (b.dimensions !== undefined && b.dimensions !== null) {
    if (typeof b.dimensions !== 'number' || !Number.isInteger(b.dimensions) || b.dimensions < 1) {
      throw new StrataError('invalid_request', "'dimensions' must be a positive integer.", { details: { param: 'dimensions' } });
    }
    dimensions = b.dimensions;
  }
  return { model: b.model, input, dimensions, encodingFormat: fmt };
}

/** The OpenAI embeddings response; base64 is little-endian float32, as the OpenAI SDK decodes it. */
export function embeddingResponseBody(out: GatewayEmbeddingResponse, format: 'float' | 'base64') {
  return {
    object: 'list',
    data: out.vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: format === 'base64' ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v),
    })),
    model: out.meta.model,
    usage: { prompt_tokens: out.inputTokens, total_tokens: out.inputTokens },
  };
}
