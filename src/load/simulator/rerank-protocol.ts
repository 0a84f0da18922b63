import { randomUUID } from 'node:crypto';
import { isRecord } from '../../core/index.js';
import { BEDROCK_RERANK_MAX_SOURCES, BEDROCK_RERANK_MODELS, parseFoundationModelArn } from '../../providers/bedrock/index.js';
import { lexicalRelevanceScores, rankByScore } from '../../rag/rerank/index.js';
import { admitInvoke, sendError } from './bedrock-protocol.js';
import type { SimulatorBehavior } from './behavior.js';
import type { Exchange } from './exchange.js';

/** Counts rejected requests under this name when the request is too broken to name its model. */
const UNKNOWN_MODEL = 'rerank';
const CONFIG_PATH = 'rerankingConfiguration.bedrockRerankingConfiguration';

class RerankInvalid extends Error {
  constructor(
    message: string,
    readonly modelId: string = UNKNOWN_MODEL,
  ) {
    super(message);
  }
}

interface RerankParsed {
  modelId: string;
  query: string;
  texts: string[];
  numberOfResults: number;
  offset: number;
}

/** AWS's wording for one failed constraint, so clients see what Bedrock would say. */
function constraint(path: string, value: unknown, rule: string): string {
  return `1 validation error detected: Value '${String(value)}' at '${path}' failed to satisfy constraint: ${rule}`;
}

function pageToken(offset: number): string {
  return Buffer.from(`rerank:${offset}`).toString('base64url');
}

function offsetOf(token: unknown): number {
  if (token === undefined) return 0;
  const m = typeof token === 'string' ? /^rerank:(\d{1,4})$/.exec(Buffer.from(token, 'base64url').toString('utf8')) : null;
  if (m === null) throw new RerankInvalid('The nextToken is not valid for this request. Repeat the request without it.');
  return Number(m[1]);
}

function sourceText(source: unknown, i: number): string {
  const doc = isRecord(source) ? source.inlineDocumentSource : undefined;
  if (!isRecord(source) || source.type !== 'INLINE' || !isRecord(doc)) {
    throw new RerankInvalid(constraint(`sources.${i + 1}.member.type`, isRecord(source) ? source.type : source, 'Member must satisfy enum value set: [INLINE] and have an inlineDocumentSource'));
  }
  if (doc.type === 'TEXT' && isRecord(doc.textDocument) && typeof doc.textDocument.text === 'string') return doc.textDocument.text;
  if (doc.type === 'JSON' && doc.jsonDocument !== undefined) return JSON.stringify(doc.jsonDocument);
  throw new RerankInvalid(`sources.${i + 1}.inlineDocumentSource needs type TEXT with textDocument.text, or type JSON with jsonDocument.`);
}

/** Validates a Rerank request the way Bedrock does (one text query, 1–1000 inline sources, a known rerank model). */
function parseRerank(body: unknown): RerankParsed {
  if (!isRecord(body)) throw new RerankInvalid('Malformed input request: expected a JSON object.');
  const config = isRecord(body.rerankingConfiguration) ? body.rerankingConfiguration : undefined;
  if (config?.type !== 'BEDROCK_RERANKING_MODEL' || !isRecord(config.bedrockRerankingConfiguration)) {
    throw new RerankInvalid(constraint('rerankingConfiguration.type', config?.type, 'Member must satisfy enum value set: [BEDROCK_RERANKING_MODEL] with a bedrockRerankingConfiguration'));
  }
  const bedrock = config.bedrockRerankingConfiguration;
  const modelArn = isRecord(bedrock.modelConfiguration) ? bedrock.modelConfiguration.modelArn : undefined;
  const arn = typeof modelArn === 'string' ? parseFoundationModelArn(modelArn) : undefined;
  if (arn === undefined) {
    throw new RerankInvalid(constraint(`${CONFIG_PATH}.modelConfiguration.modelArn`, modelArn, 'Member must satisfy regular expression pattern: arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}::foundation-model/(.*)?'));
  }
  const modelId = arn.modelId;
  if (!BEDROCK_RERANK_MODELS.includes(modelId)) {
    throw new RerankInvalid(`The provided model identifier is invalid: ${modelId} is not a reranker model. Use one of ${BEDROCK_RERANK_MODELS.join(', ')}.`, modelId);
  }
  const queries = body.queries;
  if (!Array.isArray(queries) || queries.length !== 1) {
    throw new RerankInvalid(constraint('queries', Array.isArray(queries) ? `list of ${queries.length}` : queries, 'Member must have length equal to 1'), modelId);
  }
  const q: unknown = queries[0];
  if (!isRecord(q) || q.type !== 'TEXT' || !isRecord(q.textQuery) || typeof q.textQuery.text !== 'string' || q.textQuery.text.trim() === '') {
    throw new RerankInvalid('queries.1 must be {"type": "TEXT", "textQuery": {"text": …}} with non-empty text.', modelId);
  }
  const sources = body.sources;
  if (!Array.isArray(sources) || sources.length < 1 || sources.length > BEDROCK_RERANK_MAX_SOURCES) {
    throw new RerankInvalid(
      constraint('sources', Array.isArray(sources) ? `list of ${sources.length}` : sources, `Member must have length between 1 and ${BEDROCK_RERANK_MAX_SOURCES}, inclusive`),
      modelId,
    );
  }
  const n = bedrock.numberOfResults;
  if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > BEDROCK_RERANK_MAX_SOURCES)) {
    throw new RerankInvalid(constraint(`${CONFIG_PATH}.numberOfResults`, n, `Member must have value between 1 and ${BEDROCK_RERANK_MAX_SOURCES}, inclusive`), modelId);
  }
  let texts: string[];
  let offset: number;
  try {
    texts = sources.map(sourceText);
    offset = offsetOf(body.nextToken);
  } catch (e) {
    if (e instanceof RerankInvalid) throw new RerankInvalid(e.message, modelId);
    throw e;
  }
  return { modelId, query: q.textQuery.text, texts, numberOfResults: Math.min(n ?? texts.length, texts.length), offset };
}

/** Serves Bedrock Agent Runtime's POST /rerank, scoring with the local lexical cross-scorer; false when the path is another. */
export async function handleRerank(ex: Exchange, behavior: SimulatorBehavior): Promise<boolean> {
  if (ex.path !== '/rerank') return false;
  if (ex.method !== 'POST') {
    sendError(ex, 'ValidationException', 'Use POST for /rerank.');
    return true;
  }
  let body: unknown;
  try {
    body = JSON.parse((await ex.body()).toString('utf8'));
  } catch {
    behavior.recordRejected(UNKNOWN_MODEL);
    sendError(ex, 'ValidationException', 'Malformed input request: the body is not valid JSON.');
    return true;
  }
  let p: RerankParsed;
  try {
    p = parseRerank(body);
  } catch (e) {
    if (!(e instanceof RerankInvalid)) throw e;
    behavior.recordRejected(e.modelId);
    sendError(ex, 'ValidationException', e.message);
    return true;
  }
  // Rerank is billed per query, not per token; a cheap character estimate keeps tpm quotas meaningful
  // without tokenizing up to a thousand documents.
  const chars = p.query.length + p.texts.reduce((sum, t) => sum + t.length, 0);
  if (!(await admitInvoke(ex, behavior, p.modelId, Math.ceil(chars / 4)))) return true;
  const ranked = rankByScore(lexicalRelevanceScores(p.query, p.texts), p.numberOfResults);
  const pageSize = behavior.rerankPageSize() ?? ranked.length;
  const end = Math.min(ranked.length, p.offset + pageSize);
  const out: Record<string, unknown> = { results: ranked.slice(p.offset, end) };
  if (end < ranked.length) out.nextToken = pageToken(end);
  ex.json(200, out, { 'x-amzn-requestid': randomUUID() });
  return true;
}
