import { InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { StrataError, countTokens, type EmbeddingModel, type EmbeddingRequest, type EmbeddingResult } from '../../core/index.js';
import { bedrockClientFor, resolveEndpoint, resolveRegion } from './client.js';
import { mapBedrockError } from './errors.js';

export interface CohereEmbeddingModelOptions {
  /** cohere.embed-english-v3, cohere.embed-multilingual-v3 or cohere.embed-v4:0 (region-prefixed profiles too) */
  modelId: string;
  /** v4 only: 256, 512, 1024 or 1536 (default 1536); v3 models are 1024 */
  dimensions?: number;
  region?: string;
  endpoint?: string;
}

/** Cohere's per-call limit on texts. */
const MAX_TEXTS = 96;
const V4_DIMENSIONS = new Set([256, 512, 1024, 1536]);

/** True for Cohere Embed model ids (and inference-profile ids such as us.cohere.embed-v4:0). */
export function isCohereEmbedModel(modelId: string): boolean {
  return /(^|\.)cohere\.embed-/.test(modelId);
}

/**
 * Cohere Embed on Bedrock through InvokeModel: up to 96 texts a call, and the input type matters —
 * documents are embedded as `search_document` and queries as `search_query`, which Cohere trains
 * asymmetrically (mixing them up lowers retrieval quality measurably).
 */
export function createCohereEmbeddingModel(opts: CohereEmbeddingModelOptions): EmbeddingModel {
  const { modelId } = opts;
  const v4 = /embed-v4/.test(modelId);
  const dimensions = opts.dimensions ?? (v4 ? 1536 : 1024);
  if (v4 ? !V4_DIMENSIONS.has(dimensions) : dimensions !== 1024) {
    throw new StrataError('config_invalid', `${modelId} embeds in ${v4 ? '256, 512, 1024 or 1536' : '1024'} dimensions, not ${dimensions}.`);
  }
  const client = bedrockClientFor(resolveRegion(opts.region), resolveEndpoint(opts.endpoint));

  async function embedBatch(texts: string[], inputType: 'search_document' | 'search_query', dims: number, signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const request: Record<string, unknown> = { texts, input_type: inputType, truncate: 'END', embedding_types: ['float'] };
    if (v4) request.output_dimension = dims;
    let raw: string;
    try {
      const out = await client.send(
        new InvokeModelCommand({ modelId, body: new TextEncoder().encode(JSON.stringify(request)), contentType: 'application/json', accept: 'application/json' }),
        { abortSignal: signal },
      );
      raw = new TextDecoder().decode(out.body);
    } catch (e) {
      throw mapBedrockError(e, modelId);
    }
    const bad = (why: string) => new StrataError('upstream_internal', `Bedrock model ${modelId} returned an unexpected embedding response: ${why}.`, { retryable: true, fallbackAllowed: true });
    let parsed: { embeddings?: unknown };
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      throw bad('not JSON');
    }
    // embedding_types asks for {float: [[…]]}; older responses carry the bare list
    const list = Array.isArray(parsed.embeddings) ? parsed.embeddings : (parsed.embeddings as { float?: unknown } | undefined)?.float;
    if (!Array.isArray(list) || list.length !== texts.length) throw bad(`expected ${texts.length} embeddings`);
    return list.map((v) => {
      if (!Array.isArray(v) || v.length !== dims) throw bad(`expected vectors of ${dims} numbers`);
      return Float32Array.from(v as number[]);
    });
  }

  async function embed(req: EmbeddingRequest): Promise<EmbeddingResult> {
    const dims = req.dimensions ?? dimensions;
    if (v4 ? !V4_DIMENSIONS.has(dims) : dims !== 1024) {
      throw new StrataError('invalid_request', `${modelId} embeds in ${v4 ? '256, 512, 1024 or 1536' : '1024'} dimensions, not ${dims}.`);
    }
    const inputType = req.inputType === 'query' ? 'search_query' : 'search_document';
    const vectors: Float32Array[] = [];
    for (let i = 0; i < req.texts.length; i += MAX_TEXTS) {
      vectors.push(...(await embedBatch(req.texts.slice(i, i + MAX_TEXTS), inputType, dims, req.signal)));
    }
    // Bedrock's InvokeModel answer for Cohere carries no token count: estimate it the way pricing does elsewhere
    const inputTokens = req.texts.reduce((n, t) => n + countTokens(t), 0);
    return { vectors, usage: { inputTokens }, modelId };
  }

  return { provider: 'bedrock', modelId, dimensions, embed };
}
