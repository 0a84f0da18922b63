import type { Pool } from 'undici';
import {
  StrataError,
  countTokens,
  type EmbeddingModel,
  type EmbeddingRequest,
  type EmbeddingResult,
} from '../../core/index.js';
import { acquirePool, baseHeaders, parseBaseUrl, postJsonText, releasePool } from './http.js';
import type { OpenAIModelOptions } from './chat-model.js';

export interface OpenAIEmbeddingOptions extends OpenAIModelOptions {
  /** output size; sent as `dimensions` (models that support it) and reported before the first call */
  dimensions?: number;
}

export interface OpenAIEmbeddingModel extends EmbeddingModel {
  readonly alias: string | undefined;
  /** releases this model's share of the connection pool */
  close(): Promise<void>;
}

function modelError(message: string): StrataError {
  return new StrataError('upstream_model_error', message, { retryable: true, fallbackAllowed: true });
}

/** Decodes an embedding given as a float array or as base64 little-endian float32 (encoding_format=base64). */
function toVector(raw: unknown): Float32Array {
  if (Array.isArray(raw)) return Float32Array.from(raw as number[]);
  if (typeof raw === 'string') {
    const bytes = Buffer.from(raw, 'base64');
    const out = new Float32Array(bytes.length >>> 2);
    for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
    return out;
  }
  throw modelError('The OpenAI-compatible model server returned an embedding in an unknown format.');
}

class OpenAIEmbeddings implements OpenAIEmbeddingModel {
  readonly provider = 'openai';
  readonly modelId: string;
  readonly alias: string | undefined;
  private dims: number;
  private readonly requestedDims: number | undefined;
  private readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private pool: Pool | undefined;

  constructor(opts: OpenAIEmbeddingOptions) {
    if (typeof opts.modelId !== 'string' || opts.modelId.length === 0) {
      throw new StrataError('config_invalid', 'An OpenAI-compatible embedding model needs a modelId.');
    }
    if (opts.dimensions !== undefined && (!Number.isInteger(opts.dimensions) || opts.dimensions < 1)) {
      throw new StrataError('config_invalid', 'Embedding dimensions must be a positive integer.');
    }
    const ep = parseBaseUrl(opts.baseUrl);
    this.modelId = opts.modelId;
    this.alias = opts.alias;
    this.requestedDims = opts.dimensions;
    // 0 until known: servers decide the size when none is requested; the first answer sets it.
    this.dims = opts.dimensions ?? 0;
    this.origin = ep.origin;
    this.path = `${ep.basePath}/embeddings`;
    this.headers = baseHeaders(opts.apiKey, opts.headers);
    this.pool = acquirePool(ep.origin);
  }

  get dimensions(): number {
    return this.dims;
  }

  async embed(req: EmbeddingRequest): Promise<EmbeddingResult> {
    if (!this.pool) throw new StrataError('internal', 'This model client has been closed.');
    if (!Array.isArray(req.texts) || req.texts.some((t) => typeof t !== 'string')) {
      throw new StrataError('invalid_request', 'texts must be an array of strings.');
    }
    if (req.texts.length === 0) return { vectors: [], usage: { inputTokens: 0 }, modelId: this.modelId };
    const dimensions = req.dimensions ?? this.requestedDims;
    const payload: Record<string, unknown> = { model: this.modelId, input: req.texts, encoding_format: 'float' };
    if (dimensions !== undefined) payload.dimensions = dimensions;
    const res = await postJsonText(this.pool, this.path, this.headers, JSON.stringify(payload), req.signal);
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      throw modelError('The OpenAI-compatible model server returned invalid JSON.');
    }
    const b = (typeof body === 'object' && body !== null ? body : {}) as { data?: unknown; usage?: { prompt_tokens?: unknown }; model?: unknown };
    if (!Array.isArray(b.data) || b.data.length !== req.texts.length) {
      throw modelError(`The OpenAI-compatible model server returned ${Array.isArray(b.data) ? b.data.length : 'no'} embeddings for ${req.texts.length} inputs.`);
    }
    const vectors = new Array<Float32Array>(req.texts.length);
    (b.data as unknown[]).forEach((item, pos) => {
      const d = (item ?? {}) as { index?: unknown; embedding?: unknown };
      const index = typeof d.index === 'number' ? d.index : pos;
      if (index < 0 || index >= vectors.length || vectors[index] !== undefined) {
        throw modelError('The OpenAI-compatible model server returned embeddings with inconsistent indexes.');
      }
      vectors[index] = toVector(d.embedding);
    });
    const first = vectors[0]!;
    if (vectors.some((v) => v.length !== first.length) || first.length === 0) {
      throw modelError('The OpenAI-compatible model server returned embeddings of inconsistent sizes.');
    }
    if (req.dimensions === undefined) this.dims = first.length;
    let inputTokens = typeof b.usage?.prompt_tokens === 'number' ? b.usage.prompt_tokens : -1;
    if (inputTokens < 0) {
      // The server reported no usage: estimate with cl100k (its own tokenizer may count differently).
      inputTokens = 0;
      for (const t of req.texts) inputTokens += countTokens(t);
    }
    return { vectors, usage: { inputTokens }, modelId: typeof b.model === 'string' && b.model.length > 0 ? b.model : this.modelId };
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await releasePool(this.origin, pool);
  }
}

/** An embedding model on an OpenAI-compatible server: POST {baseUrl}/embeddings, vectors as Float32Array. */
export function createOpenAIEmbeddingModel(opts: OpenAIEmbeddingOptions): OpenAIEmbeddingModel {
  return new OpenAIEmbeddings(opts);
}
