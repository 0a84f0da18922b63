import { StrataError, isRecord } from '../core/index.js';
import type { RerankResult } from '../rag/index.js';

/** Bedrock Agent Runtime's Rerank request and response shapes in Strata's vocabulary. */

function bad(message: string): StrataError {
  return new StrataError('invalid_request', message);
}

/** Bedrock's own bound on sources per Rerank call. */
const MAX_SOURCES = 1000;

export interface ParsedRerankBody {
  query: string;
  documents: string[];
  /** 'local', a Bedrock rerank model id or its ARN */
  model: string;
  topN?: number;
}

/**
 * Validates a Rerank request: one text query, inline text or JSON sources (a JSON document is scored as
 * its JSON text, as Bedrock's models read it), and the model in rerankingConfiguration.
 */
export function parseRerankBody(body: unknown): ParsedRerankBody {
  if (!isRecord(body)) throw bad('The request body must be a JSON object with queries, sources and rerankingConfiguration.');
  if (body.nextToken !== undefined && body.nextToken !== null) throw bad('nextToken is not supported by Strata: Rerank returns all results in one response.');
  const queries = body.queries;
  if (!Array.isArray(queries) || queries.length !== 1) throw bad('queries must hold exactly one query: [{"type": "TEXT", "textQuery": {"text": "..."}}].');
  const q: unknown = queries[0];
  if (!isRecord(q) || q.type !== 'TEXT' || !isRecord(q.textQuery) || typeof q.textQuery.text !== 'string' || q.textQuery.text.trim() === '') {
    throw bad('queries.0 must be {"type": "TEXT", "textQuery": {"text": "<non-empty>"}}.');
  }
  const sources = body.sources;
  if (!Array.isArray(sources) || sources.length === 0 || sources.length > MAX_SOURCES) throw bad(`sources must hold 1 to ${MAX_SOURCES} documents.`);
  const documents = sources.map((s: unknown, i: number) => sourceText(s, i));
  const config = body.rerankingConfiguration;
  if (!isRecord(config) || config.type !== 'BEDROCK_RERANKING_MODEL' || !isRecord(config.bedrockRerankingConfiguration)) {
    throw bad('rerankingConfiguration must be {"type": "BEDROCK_RERANKING_MODEL", "bedrockRerankingConfiguration": {"modelConfiguration": {"modelArn": "..."}}}.');
  }
  const bedrock = config.bedrockRerankingConfiguration;
  const modelConfiguration = bedrock.modelConfiguration;
  if (!isRecord(modelConfiguration) || typeof modelConfiguration.modelArn !== 'string' || modelConfiguration.modelArn.trim() === '') {
    throw bad("rerankingConfiguration.bedrockRerankingConfiguration.modelConfiguration.modelArn is required: 'local' or a Bedrock rerank model ARN.");
  }
  if (modelConfiguration.additionalModelRequestFields !== undefined && modelConfiguration.additionalModelRequestFields !== null) {
    throw bad('additionalModelRequestFields is not supported by Strata.');
  }
  const out: ParsedRerankBody = { query: q.textQuery.text, documents, model: modelConfiguration.modelArn };
  const n = bedrock.numberOfResults;
  if (n !== undefined && n !== null) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_SOURCES) throw bad(`numberOfResults must be a whole number from 1 to ${MAX_SOURCES}.`);
    out.topN = Math.min(n, documents.length);
  }
  return out;
}

function sourceText(s: unknown, i: number): string {
  const at = `sources.${i}`;
  if (!isRecord(s) || s.type !== 'INLINE' || !isRecord(s.inlineDocumentSource)) throw bad(`${at} must be {"type": "INLINE", "inlineDocumentSource": {...}}.`);
  const doc = s.inlineDocumentSource;
  if (doc.type === 'TEXT' && isRecord(doc.textDocument) && typeof doc.textDocument.text === 'string') return doc.textDocument.text;
  if (doc.type === 'JSON' && doc.jsonDocument !== undefined && doc.jsonDocument !== null) return JSON.stringify(doc.jsonDocument);
  throw bad(`${at}.inlineDocumentSource must be {"type": "TEXT", "textDocument": {"text": "..."}} or {"type": "JSON", "jsonDocument": {...}}.`);
}

/** The Rerank response body, best first. */
export function rerankResponseBody(results: RerankResult[]) {
  return { results: results.map((r) => ({ index: r.index, relevanceScore: r.relevanceScore })) };
}
