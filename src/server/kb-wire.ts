import { StrataError, isRecord } from '../core/index.js';
import type { ModelCatalog } from '../gateway/index.js';
import { describeBedrockModelId } from '../providers/bedrock/index.js';
import { addGuardrailHeaders } from './request-common.js';
import { parseRetrievalFilter, type AnswerResult, type RerankParams, type RetrievalFilter, type RetrievalResult, type SearchMode } from '../rag/index.js';

/**
 * Bedrock Knowledge Bases request and response shapes (Retrieve, RetrieveAndGenerate) in Strata's
 * vocabulary. Shared by /v1/knowledge-bases/{kb}/… and the Bedrock Agent Runtime paths, so both
 * accept exactly the same bodies and answer with exactly the same shapes.
 */

function bad(message: string): StrataError {
  return new StrataError('invalid_request', message);
}

/**
 * Fields Strata cannot honour: dropping them silently would change what the caller asked for (skip
 * a guardrail, page through results that were never paged, use another model's parameters).
 */
const REFUSED_RETRIEVE_FIELDS: Record<string, string> = {
  guardrailConfiguration: 'guardrailConfiguration is not supported by Strata: configure guardrails in strata.yaml instead.',
  nextToken: 'nextToken is not supported by Strata: Retrieve returns all numberOfResults (1–100) results in one response.',
};
const REFUSED_RETRIEVAL_CONFIG_FIELDS: Record<string, string> = {
  managedSearchConfiguration: 'managedSearchConfiguration is not supported by Strata: use vectorSearchConfiguration.',
};
const REFUSED_VECTOR_FIELDS: Record<string, string> = {
  implicitFilterConfiguration: 'implicitFilterConfiguration is not supported by Strata: pass an explicit filter.',
};
const REFUSED_GENERATE_FIELDS: Record<string, string> = {
  sessionConfiguration: 'sessionConfiguration (kmsKeyArn) is not supported by Strata: sessions are stored under the server’s own encryption settings.',
};
const REFUSED_KB_GENERATE_FIELDS: Record<string, string> = {
  orchestrationConfiguration: 'orchestrationConfiguration is not supported by Strata: follow-up questions are rewritten from the session history when a generative model answers.',
};
const REFUSED_GENERATION_FIELDS: Record<string, string> = {
  inferenceConfig: 'generationConfiguration.inferenceConfig is not supported by Strata yet: set model parameters on the route in strata.yaml.',
  additionalModelRequestFields: 'generationConfiguration.additionalModelRequestFields is not supported by Strata: Strata routes across models and passes no model-specific fields.',
  performanceConfig: 'generationConfiguration.performanceConfig is not supported by Strata.',
};

function refuse(obj: Record<string, unknown>, fields: Record<string, string>): void {
  for (const [field, why] of Object.entries(fields)) {
    if (obj[field] !== undefined && obj[field] !== null) throw bad(why);
  }
}

function optionalObject(parent: Record<string, unknown>, field: string, where: string): Record<string, unknown> | undefined {
  const v = parent[field];
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw bad(`${where}${field} must be an object.`);
  return v;
}

function optionalString(parent: Record<string, unknown>, field: string, where: string): string | undefined {
  const v = parent[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw bad(`${where}${field} must be a non-empty string.`);
  return v;
}

/** What a Bedrock `retrievalConfiguration` asks for, in the terms of KnowledgeBaseService.retrieve. */
export interface ParsedRetrievalConfiguration {
  k?: number;
  mode?: SearchMode;
  filter?: RetrievalFilter;
  rerank?: RerankParams;
}

/** overrideSearchType: Bedrock's HYBRID and SEMANTIC, plus Strata's own LEXICAL (BM25 only). */
const SEARCH_TYPES: Record<string, SearchMode> = { HYBRID: 'hybrid', SEMANTIC: 'vector', LEXICAL: 'lexical' };

/** Reads `retrievalConfiguration.vectorSearchConfiguration` (absent = the knowledge base's defaults). */
export function parseRetrievalConfiguration(raw: unknown, where = 'retrievalConfiguration'): ParsedRetrievalConfiguration {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) throw bad(`${where} must be an object like {"vectorSearchConfiguration": {"numberOfResults": 5}}.`);
  refuse(raw, REFUSED_RETRIEVAL_CONFIG_FIELDS);
  const vector = optionalObject(raw, 'vectorSearchConfiguration', `${where}.`);
  if (!vector) return {};
  const at = `${where}.vectorSearchConfiguration.`;
  refuse(vector, REFUSED_VECTOR_FIELDS);
  const out: ParsedRetrievalConfiguration = {};
  const n = vector.numberOfResults;
  if (n !== undefined && n !== null) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100) throw bad(`${at}numberOfResults must be a whole number from 1 to 100.`);
    out.k = n;
  }
  const type = vector.overrideSearchType;
  if (type !== undefined && type !== null) {
    const mode = typeof type === 'string' ? SEARCH_TYPES[type] : undefined;
    if (mode === undefined) throw bad(`${at}overrideSearchType must be HYBRID or SEMANTIC (or Strata's LEXICAL).`);
    out.mode = mode;
  }
  if (vector.filter !== undefined && vector.filter !== null) out.filter = parseRetrievalFilter(vector.filter);
  const rerank = parseRerankingConfiguration(vector.rerankingConfiguration, `${at}rerankingConfiguration`);
  if (rerank) out.rerank = rerank;
  return out;
}

/**
 * Reads a `rerankingConfiguration`. The model ARN is passed on as given: the service accepts a Bedrock
 * rerank model id or ARN, a configured rerank model alias, or 'local' (the lexical cross-scorer).
 */
function parseRerankingConfiguration(raw: unknown, where: string): RerankParams | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) throw bad(`${where} must be an object.`);
  if (raw.type !== 'BEDROCK_RERANKING_MODEL') throw bad(`${where}.type must be BEDROCK_RERANKING_MODEL.`);
  const bedrock = optionalObject(raw, 'bedrockRerankingConfiguration', `${where}.`);
  if (!bedrock) throw bad(`${where}.bedrockRerankingConfiguration is required: {"modelConfiguration": {"modelArn": "..."}}.`);
  const at = `${where}.bedrockRerankingConfiguration.`;
  if (bedrock.metadataConfiguration !== undefined && bedrock.metadataConfiguration !== null) {
    throw bad(`${at}metadataConfiguration is not supported by Strata: the reranker scores chunk text only.`);
  }
  const modelConfiguration = optionalObject(bedrock, 'modelConfiguration', at);
  if (!modelConfiguration) throw bad(`${at}modelConfiguration.modelArn is required (a Bedrock rerank model ARN, a configured rerank model alias, or 'local').`);
  if (modelConfiguration.additionalModelRequestFields !== undefined && modelConfiguration.additionalModelRequestFields !== null) {
    throw bad(`${at}modelConfiguration.additionalModelRequestFields is not supported by Strata.`);
  }
  const model = optionalString(modelConfiguration, 'modelArn', `${at}modelConfiguration.`);
  if (model === undefined) throw bad(`${at}modelConfiguration.modelArn is required (a Bedrock rerank model ARN, a configured rerank model alias, or 'local').`);
  const out: RerankParams = { model };
  const top = bedrock.numberOfRerankedResults;
  if (top !== undefined && top !== null) {
    if (typeof top !== 'number' || !Number.isInteger(top) || top < 1 || top > 100) throw bad(`${at}numberOfRerankedResults must be a whole number from 1 to 100.`);
    out.topN = top;
  }
  return out;
}

/** A Retrieve request body: the query and its retrieval configuration (the knowledge base comes from the path). */
export interface ParsedRetrieveBody extends ParsedRetrievalConfiguration {
  query: string;
}

/** Validates a Bedrock Retrieve request body (`retrievalQuery.text`, `retrievalConfiguration`). */
export function parseRetrieveBody(body: unknown): ParsedRetrieveBody {
  if (!isRecord(body)) throw bad('The request body must be a JSON object like {"retrievalQuery": {"text": "..."}}.');
  refuse(body, REFUSED_RETRIEVE_FIELDS);
  const q = body.retrievalQuery;
  if (!isRecord(q)) throw bad('retrievalQuery is required: {"retrievalQuery": {"text": "..."}}.');
  if (q.type !== undefined && q.type !== null && q.type !== 'TEXT') throw bad('retrievalQuery.type must be TEXT: Strata searches text only.');
  if (q.image !== undefined && q.image !== null) throw bad('retrievalQuery.image is not supported by Strata: send retrievalQuery.text.');
  if (typeof q.text !== 'string' || q.text.trim() === '') throw bad('retrievalQuery.text must be a non-empty string.');
  return { query: q.text, ...parseRetrievalConfiguration(body.retrievalConfiguration) };
}

/** A RetrieveAndGenerate request body in the terms of KnowledgeBaseService.retrieveAndGenerate. */
export interface ParsedRetrieveAndGenerateBody extends ParsedRetrievalConfiguration {
  query: string;
  sessionId?: string;
  /** knowledgeBaseConfiguration.knowledgeBaseId (required on the Bedrock path, optional under /v1/knowledge-bases/{kb}) */
  knowledgeBaseId?: string;
  /** modelArn as sent; resolve it with modelAliasFor */
  modelArn?: string;
  promptTemplate?: string;
  /** generationConfiguration.guardrailConfiguration.guardrailId: the Strata guardrail policy to apply instead of the knowledge base's */
  guardrail?: string;
}

/** Bedrock's guardrailVersion: a version number or DRAFT. */
const GUARDRAIL_VERSION = /^(?:DRAFT|[1-9][0-9]{0,7})$/;

/**
 * Reads `generationConfiguration.guardrailConfiguration` as Bedrock has it: `guardrailId` names a guardrail
 * policy of strata.yaml (Strata's policies are not managed Bedrock guardrails: a policy that should call one
 * says so with its own `bedrock:` block). Strata's policies have no versions, so `guardrailVersion` must be
 * well formed as in Bedrock (DRAFT or a number) and is otherwise ignored: the policy as configured applies.
 */
function parseGuardrailConfiguration(raw: Record<string, unknown>, at: string): string {
  const id = optionalString(raw, 'guardrailId', at);
  if (id === undefined) throw bad(`${at}guardrailId is required: the name of a guardrail policy in strata.yaml (e.g. "default").`);
  const version = raw.guardrailVersion;
  if (typeof version !== 'string' || !GUARDRAIL_VERSION.test(version)) {
    throw bad(`${at}guardrailVersion is required and must be DRAFT or a version number; Strata applies the policy as configured whatever the version.`);
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'guardrailId' && key !== 'guardrailVersion') throw bad(`${at}${key.slice(0, 60)} is not a guardrailConfiguration field: send guardrailId and guardrailVersion.`);
  }
  return id;
}

/** Validates a Bedrock RetrieveAndGenerate request body (KNOWLEDGE_BASE type only). */
export function parseRetrieveAndGenerateBody(body: unknown): ParsedRetrieveAndGenerateBody {
  if (!isRecord(body)) throw bad('The request body must be a JSON object like {"input": {"text": "..."}, "retrieveAndGenerateConfiguration": {...}}.');
  refuse(body, REFUSED_GENERATE_FIELDS);
  const input = body.input;
  if (!isRecord(input) || typeof input.text !== 'string' || input.text.trim() === '') throw bad('input.text is required and must be a non-empty string.');
  const out: ParsedRetrieveAndGenerateBody = { query: input.text };
  if (body.sessionId !== undefined && body.sessionId !== null) {
    // its pattern is the service's to check, for the CLI and the API alike
    if (typeof body.sessionId !== 'string') throw bad('sessionId must be a string: the sessionId of an earlier answer.');
    out.sessionId = body.sessionId;
  }
  const config = optionalObject(body, 'retrieveAndGenerateConfiguration', '');
  if (!config) return out;
  if (config.type !== undefined && config.type !== null && config.type !== 'KNOWLEDGE_BASE') {
    throw bad('retrieveAndGenerateConfiguration.type must be KNOWLEDGE_BASE: Strata answers from its own knowledge bases, not external sources.');
  }
  if (config.externalSourcesConfiguration !== undefined && config.externalSourcesConfiguration !== null) {
    throw bad('retrieveAndGenerateConfiguration.externalSourcesConfiguration is not supported by Strata: ingest the documents into a knowledge base.');
  }
  const kbc = optionalObject(config, 'knowledgeBaseConfiguration', 'retrieveAndGenerateConfiguration.');
  if (!kbc) return out;
  const at = 'retrieveAndGenerateConfiguration.knowledgeBaseConfiguration.';
  refuse(kbc, REFUSED_KB_GENERATE_FIELDS);
  const kbId = optionalString(kbc, 'knowledgeBaseId', at);
  if (kbId !== undefined) out.knowledgeBaseId = kbId;
  const modelArn = optionalString(kbc, 'modelArn', at);
  if (modelArn !== undefined) out.modelArn = modelArn;
  Object.assign(out, parseRetrievalConfiguration(kbc.retrievalConfiguration, `${at}retrievalConfiguration`));
  const generation = optionalObject(kbc, 'generationConfiguration', at);
  if (generation) {
    refuse(generation, REFUSED_GENERATION_FIELDS);
    const guardrail = optionalObject(generation, 'guardrailConfiguration', `${at}generationConfiguration.`);
    if (guardrail) out.guardrail = parseGuardrailConfiguration(guardrail, `${at}generationConfiguration.guardrailConfiguration.`);
    const template = optionalObject(generation, 'promptTemplate', `${at}generationConfiguration.`);
    if (template) {
      const text = optionalString(template, 'textPromptTemplate', `${at}generationConfiguration.promptTemplate.`);
      if (text !== undefined) {
        if (!text.includes('$search_results$')) throw bad(`${at}generationConfiguration.promptTemplate.textPromptTemplate must contain $search_results$, where the retrieved passages go.`);
        out.promptTemplate = text;
      }
    }
  }
  return out;
}

/** Bedrock ARNs whose last path part is a model id: foundation models, inference profiles, provisioned and imported models. */
const MODEL_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:[0-9]*:(?:foundation-model|inference-profile|application-inference-profile|provisioned-model|imported-model|custom-model)\/(.+)$/;

/**
 * The Strata route or model alias a `modelArn` names. A route or model alias is taken as is (the
 * natural thing to send to Strata); otherwise the Bedrock model id (the ARN's last part, or the id
 * itself) must equal a configured chat model's provider model id, first exactly, then ignoring a
 * cross-region prefix — in config order, so the same config always picks the same alias.
 */
export function modelAliasFor(catalog: ModelCatalog, modelArn: string): string {
  if (catalog.routes().some((r) => r.name === modelArn)) return modelArn;
  const id = MODEL_ARN.exec(modelArn)?.[1] ?? modelArn;
  const chat = catalog.models().filter((m) => m.type === 'chat');
  const exact = chat.find((m) => m.providerModelId === id);
  if (exact) return exact.alias;
  // `us.anthropic.…` and `anthropic.…` name the same model: compare without the cross-region prefix
  const bare = describeBedrockModelId(id).baseModelId;
  const loose = chat.find((m) => describeBedrockModelId(m.providerModelId).baseModelId === bare);
  if (loose) return loose.alias;
  throw new StrataError(
    'model_not_found',
    `modelArn '${modelArn.slice(0, 200)}' names no route or model of this server: send a route or model alias (GET /v1/models), or the ARN or id of a Bedrock model configured in strata.yaml.`,
  );
}

/** The Retrieve response body. */
export function retrieveResponseBody(results: RetrievalResult[]) {
  return { retrievalResults: results };
}

/**
 * The RetrieveAndGenerate response body (Bedrock's fields only; Strata's extras travel as x-strata-* headers).
 * `guardrailAction` is there when a guardrail policy applied, as Bedrock sends it when a guardrail is configured.
 */
export function retrieveAndGenerateResponseBody(result: AnswerResult) {
  return {
    sessionId: result.sessionId,
    output: { text: result.output.text },
    citations: result.citations,
    ...(result.guardrailAction === undefined ? {} : { guardrailAction: result.guardrailAction }),
  };
}

/**
 * x-strata-* headers of an answer: which registry prompt and model wrote it, whether anything relevant was found,
 * the invocation recorded for it, and the guardrail policy with its verdict and grounding scores (as on a route).
 */
export function answerHeaders(result: AnswerResult): Record<string, string> {
  const headers: Record<string, string> = { 'x-strata-prompt': result.prompt, 'x-strata-no-relevant-results': String(result.noRelevantResults) };
  if (result.model !== undefined) headers['x-strata-model'] = result.model;
  if (result.invocationId !== undefined) headers['x-strata-invocation-id'] = result.invocationId;
  // an answer is complete before it is sent: its guardrail verdict is always final
  if (result.guardrail !== undefined) addGuardrailHeaders(headers, { ...result.guardrail, settled: true });
  return headers;
}
