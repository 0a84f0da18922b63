import http from 'node:http';
import https from 'node:https';
import { BedrockAgentRuntimeClient, RerankCommand, type RerankCommandInput, type RerankResponse } from '@aws-sdk/client-bedrock-agent-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { StrataError } from '../../core/index.js';
import { resolveEndpoint, resolveRegion } from './client.js';
import { mapBedrockError } from './errors.js';

/** Rerank models Bedrock offers through its Rerank API (others may be added by AWS; any provider.model id is accepted). */
export const BEDROCK_RERANK_MODELS: readonly string[] = ['amazon.rerank-v1:0', 'cohere.rerank-v3-5:0'];
/** Bedrock accepts at most this many sources per Rerank call; longer lists are sent in batches. */
export const BEDROCK_RERANK_MAX_SOURCES = 1000;

const MODEL_ID = /^[a-z][a-z0-9-]*\.[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const MODEL_ARN = /^arn:(aws[a-z-]*):bedrock:([a-z0-9-]{1,20}):(\d{12})?:foundation-model\/(.+)$/;

export interface BedrockRerankerOptions {
  /** a rerank model id (amazon.rerank-v1:0, cohere.rerank-v3-5:0) or its full foundation-model ARN */
  modelId: string;
  /** region of the client and of the ARN built from a model id (default: the ARN's, then AWS_REGION …) */
  region?: string;
  /** endpoint override (a VPC endpoint or the simulator); when absent STRATA_BEDROCK_ENDPOINT, '' for AWS's own */
  endpoint?: string;
}

/** One reranked document (the same shape as the Reranker interface's result). */
export interface BedrockRerankResult {
  index: number;
  relevanceScore: number;
}

/** The parts of a foundation-model ARN, or undefined when the text is not one. */
export function parseFoundationModelArn(arn: string): { partition: string; region: string; modelId: string } | undefined {
  const m = MODEL_ARN.exec(arn);
  return m === null ? undefined : { partition: m[1]!, region: m[2]!, modelId: m[4]! };
}

/**
 * The modelArn that Rerank needs: a full ARN passes through (checked), a model id becomes
 * `arn:aws:bedrock:<region>::foundation-model/<id>`.
 */
export function rerankModelArn(modelIdOrArn: string, region: string): string {
  const value = modelIdOrArn.trim();
  if (value.startsWith('arn:')) {
    if (parseFoundationModelArn(value) === undefined) {
      throw new StrataError('invalid_request', `'${value}' is not a Bedrock foundation-model ARN; expected arn:aws:bedrock:<region>::foundation-model/<model id>, e.g. for ${BEDROCK_RERANK_MODELS[0]!}.`);
    }
    return value;
  }
  if (!MODEL_ID.test(value)) {
    throw new StrataError('invalid_request', `'${value}' is not a Bedrock rerank model id; use one of ${BEDROCK_RERANK_MODELS.join(', ')} or a foundation-model ARN.`);
  }
  if (!/^[a-z0-9-]{1,20}$/.test(region)) throw new StrataError('invalid_request', `'${region}' is not an AWS region name (e.g. us-west-2).`);
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:bedrock:${region}::foundation-model/${value}`;
}

const clients = new Map<string, BedrockAgentRuntimeClient>();

/** One BedrockAgentRuntimeClient per (region, endpoint), configured like the runtime clients: no SDK retries, HTTP/1.1 keep-alive. */
export function bedrockAgentRuntimeClientFor(region: string, endpoint: string | undefined): BedrockAgentRuntimeClient {
  const key = `${region}\n${endpoint ?? ''}`;
  let client = clients.get(key);
  if (client === undefined) {
    client = new BedrockAgentRuntimeClient({
      region,
      ...(endpoint === undefined ? {} : { endpoint }),
      // The gateway owns retries, backoff and fallback; SDK retries would multiply them.
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
        httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
      }),
    });
    clients.set(key, client);
  }
  return client;
}

/** Destroys every cached Agent Runtime client (tests, shutdown). */
export function closeBedrockAgentRuntimeClients(): void {
  for (const c of clients.values()) c.destroy();
  clients.clear();
}

function badResponse(modelId: string, what: string): StrataError {
  return new StrataError('upstream_internal', `Bedrock Rerank for model ${modelId} returned ${what}. Retry, or check the endpoint.`, {
    retryable: true,
    fallbackAllowed: true,
    details: { modelId },
  });
}

/** Bedrock's Rerank API (Agent Runtime) as a Reranker: inline text sources, one query, results best first. */
export class BedrockReranker {
  readonly name: string;
  readonly modelArn: string;
  private readonly client: BedrockAgentRuntimeClient;

  constructor(opts: BedrockRerankerOptions, client?: BedrockAgentRuntimeClient) {
    const arn = opts.modelId.trim().startsWith('arn:') ? parseFoundationModelArn(opts.modelId.trim()) : undefined;
    const region = opts.region ?? arn?.region ?? resolveRegion();
    this.modelArn = rerankModelArn(opts.modelId, region);
    this.name = parseFoundationModelArn(this.modelArn)!.modelId;
    this.client = client ?? bedrockAgentRuntimeClientFor(region, resolveEndpoint(opts.endpoint));
  }

  /** Reranks documents for the query; lists longer than Bedrock's per-call limit go in batches whose scores are merged. */
  async rerank(query: string, documents: string[], opts: { topN?: number; signal?: AbortSignal } = {}): Promise<BedrockRerankResult[]> {
    const { topN, signal } = opts;
    if (topN !== undefined && (!Number.isInteger(topN) || topN < 1)) {
      throw new StrataError('invalid_request', `Rerank topN must be a whole number of at least 1, got ${String(topN)}.`);
    }
    if (documents.length === 0) return [];
    if (query.trim() === '') throw new StrataError('invalid_request', 'The rerank query is empty.');
    const merged: BedrockRerankResult[] = [];
    for (let start = 0; start < documents.length; start += BEDROCK_RERANK_MAX_SOURCES) {
      const batch = documents.slice(start, start + BEDROCK_RERANK_MAX_SOURCES);
      for (const r of await this.rerankBatch(query, batch, Math.min(topN ?? batch.length, batch.length), signal)) {
        merged.push({ index: start + r.index, relevanceScore: r.relevanceScore });
      }
    }
    // A cross-encoder scores each (query, document) pair on its own, so scores from different batches compare.
    merged.sort((a, b) => b.relevanceScore - a.relevanceScore || a.index - b.index);
    return topN === undefined ? merged : merged.slice(0, topN);
  }

  private async rerankBatch(query: string, batch: string[], wanted: number, signal: AbortSignal | undefined): Promise<BedrockRerankResult[]> {
    const input: RerankCommandInput = {
      queries: [{ type: 'TEXT', textQuery: { text: query } }],
      sources: batch.map((text) => ({ type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text } } })),
      rerankingConfiguration: {
        type: 'BEDROCK_RERANKING_MODEL',
        bedrockRerankingConfiguration: { numberOfResults: wanted, modelConfiguration: { modelArn: this.modelArn } },
      },
    };
    const out: BedrockRerankResult[] = [];
    const seenIndexes = new Set<number>();
    const seenTokens = new Set<string>();
    let nextToken: string | undefined;
    do {
      let res: RerankResponse;
      try {
        res = await this.client.send(new RerankCommand(nextToken === undefined ? input : { ...input, nextToken }), { abortSignal: signal });
      } catch (e) {
        throw mapBedrockError(e, this.name);
      }
      if (!Array.isArray(res.results)) throw badResponse(this.name, 'no results list');
      for (const r of res.results) {
        const { index, relevanceScore } = r;
        if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= batch.length || typeof relevanceScore !== 'number' || !Number.isFinite(relevanceScore)) {
          throw badResponse(this.name, 'a result with a missing or out-of-range index or score');
        }
        // A repeated index across pages would double-count a document; keep its first score.
        if (seenIndexes.has(index)) continue;
        seenIndexes.add(index);
        out.push({ index, relevanceScore });
      }
      nextToken = res.nextToken === undefined || res.nextToken === '' ? undefined : res.nextToken;
      if (nextToken !== undefined) {
        if (seenTokens.has(nextToken)) throw badResponse(this.name, 'the same nextToken twice (paging would never end)');
        seenTokens.add(nextToken);
      }
    } while (nextToken !== undefined && out.length < wanted);
    return out;
  }
}

/** A Bedrock reranker for a model id or ARN. */
export function createBedrockReranker(opts: BedrockRerankerOptions): BedrockReranker {
  return new BedrockReranker(opts);
}
