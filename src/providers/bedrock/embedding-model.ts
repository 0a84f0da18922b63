import { InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { StrataError, type EmbeddingModel, type EmbeddingRequest, type EmbeddingResult } from '../../core/index.js';
import { bedrockClientFor, resolveEndpoint, resolveRegion } from './client.js';
import { mapBedrockError } from './errors.js';

export interface BedrockEmbeddingModelOptions {
  /** default amazon.titan-embed-text-v2:0 */
  modelId?: string;
  /** 256, 512 or 1024 (Titan Text Embeddings v2); default 1024 */
  dimensions?: number;
  region?: string;
  endpoint?: string;
}

const TITAN_DIMENSIONS = new Set([256, 512, 1024]);
// Titan v2 embeds one text per call; a few calls in flight keep batches fast without tripping quotas.
const CONCURRENCY = 8;

/** Titan Text Embeddings v2 through InvokeModel, normalized vectors. */
export function createBedrockEmbeddingModel(opts: BedrockEmbeddingModelOptions = {}): EmbeddingModel {
  const modelId = opts.modelId ?? 'amazon.titan-embed-text-v2:0';
  const dimensions = opts.dimensions ?? 1024;
  if (!TITAN_DIMENSIONS.has(dimensions)) {
    throw new StrataError('config_invalid', `Titan Text Embeddings v2 supports 256, 512 or 1024 dimensions, not ${dimensions}.`);
  }
  const client = bedrockClientFor(resolveRegion(opts.region), resolveEndpoint(opts.endpoint));

  async function embedOne(text: string, dims: number, signal: AbortSignal | undefined): Promise<{ vector: Float32Array; tokens: number }> {
    const body = JSON.stringify({ inputText: text, dimensions: dims, normalize: true });
    let raw: string;
    try {
      const out = await client.send(
        new InvokeModelCommand({ modelId, body: new TextEncoder().encode(body), contentType: 'application/json', accept: 'application/json' }),
        { abortSignal: signal },
      );
      raw = new TextDecoder().decode(out.body);
    } catch (e) {
      throw mapBedrockError(e, modelId);
    }
    let parsed: { embedding?: unknown; inputTextTokenCount?: unknown };
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      throw new StrataError('upstream_internal', `Bedrock model ${modelId} returned an embedding response that is not JSON.`, { retryable: true, fallbackAllowed: true });
    }
    if (!Array.isArray(parsed.embedding) || parsed.embedding.length !== dims) {
      throw new StrataError('upstream_internal', `Bedrock model ${modelId} returned an embedding of unexpected shape (expected ${dims} numbers).`, { retryable: true, fallbackAllowed: true });
    }
    return { vector: Float32Array.from(parsed.embedding as number[]), tokens: typeof parsed.inputTextTokenCount === 'number' ? parsed.inputTextTokenCount : 0 };
  }

  async function embed(req: EmbeddingRequest): Promise<EmbeddingResult> {
    const dims = req.dimensions ?? dimensions;
    if (!TITAN_DIMENSIONS.has(dims)) {
      throw new StrataError('invalid_request', `Titan Text Embeddings v2 supports 256, 512 or 1024 dimensions, not ${dims}.`);
    }
    const vectors = new Array<Float32Array>(req.texts.length);
    let inputTokens = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < req.texts.length) {
        const i = next++;
        const r = await embedOne(req.texts[i]!, dims, req.signal);
        vectors[i] = r.vector;
        inputTokens += r.tokens;
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, req.texts.length) }, worker));
    return { vectors, usage: { inputTokens }, modelId };
  }

  return { provider: 'bedrock', modelId, dimensions, embed };
}
