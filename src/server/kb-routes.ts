import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StrataError, isRecord } from '../core/index.js';
import type { Caller, Gateway } from '../gateway/index.js';
import type { DocumentInfo, DocumentMetadata, KnowledgeBase, KnowledgeBaseConfigInput, KnowledgeBaseService, RerankParams, RetrievalFilter, RetrieveParams, SearchMode, UploadedDocument } from '../rag/index.js';
import { abortOnClose, callerOf, parseTags, requestTenant } from './request-common.js';
import {
  answerHeaders,
  modelAliasFor,
  parseRetrieveAndGenerateBody,
  parseRetrieveBody,
  retrieveAndGenerateResponseBody,
  retrieveResponseBody,
} from './kb-wire.js';

export interface KbRoutesDeps {
  gateway: Gateway;
  /** undefined: the server was built without knowledge bases and /v1/knowledge-bases answers 404 */
  knowledgeBases?: KnowledgeBaseService;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A knowledge base as the API shows it: its recorded config is what reproduces its index. */
export function knowledgeBaseBody(kb: KnowledgeBase) {
  return {
    object: 'knowledge_base',
    id: kb.id,
    name: kb.name,
    tenant: kb.tenant,
    config: kb.config,
    documents: kb.documents,
    chunks: kb.chunks,
    created_at: iso(kb.createdAt),
    updated_at: iso(kb.updatedAt),
  };
}

function documentBody(d: DocumentInfo) {
  return { object: 'knowledge_base.document', id: d.docId, file_name: d.relPath, content_hash: d.contentHash, chunks: d.chunkCount };
}

/** The service, or a 404 that says why (the server was started without knowledge bases). */
export function serviceOf(deps: { knowledgeBases?: KnowledgeBaseService }): KnowledgeBaseService {
  if (!deps.knowledgeBases) throw new StrataError('not_found', 'Knowledge bases are not available on this server.');
  return deps.knowledgeBases;
}

function bad(message: string): StrataError {
  return new StrataError('invalid_request', message);
}

/** POST /v1/knowledge-bases: `{name, config?: {embeddingModel?, chunking?, index?, hybrid?, guardrail?}}`. */
function parseCreateBody(body: unknown): { name: string; config?: KnowledgeBaseConfigInput } {
  const shape = '{"name": "docs", "config": {"embeddingModel": "hash-embed", "chunking": {"strategy": "fixed", "maxTokens": 512}}}';
  if (!isRecord(body)) throw bad(`Send the knowledge base as a JSON object: ${shape}.`);
  if (typeof body.name !== 'string' || body.name === '') throw bad(`'name' is required: ${shape}.`);
  for (const key of Object.keys(body)) {
    if (key !== 'name' && key !== 'config') throw bad(`Unknown field '${key.slice(0, 60)}'; a knowledge base is created with ${shape}.`);
  }
  if (body.config === undefined || body.config === null) return { name: body.name };
  if (!isRecord(body.config)) throw bad(`'config' must be an object: ${shape}.`);
  for (const key of Object.keys(body.config)) {
    if (key !== 'embeddingModel' && key !== 'chunking' && key !== 'index' && key !== 'guardrail' && key !== 'hybrid') {
      throw bad(`Unknown config field '${key.slice(0, 60)}': config takes embeddingModel, chunking, index, hybrid and guardrail.`);
    }
  }
  const config: KnowledgeBaseConfigInput = {};
  if (body.config.embeddingModel !== undefined) {
    if (typeof body.config.embeddingModel !== 'string' || body.config.embeddingModel.trim() === '') throw bad("'config.embeddingModel' must be a model alias.");
    config.embeddingModel = body.config.embeddingModel;
  }
  // validated (with field-by-field messages) when the config is resolved
  if (body.config.chunking !== undefined) config.chunking = body.config.chunking as KnowledgeBaseConfigInput['chunking'];
  if (body.config.index !== undefined) config.index = body.config.index as KnowledgeBaseConfigInput['index'];
  if (body.config.hybrid !== undefined) config.hybrid = body.config.hybrid as KnowledgeBaseConfigInput['hybrid'];
  // its form is checked when the config is resolved, its existence by the service against strata.yaml's policies
  if (body.config.guardrail !== undefined && body.config.guardrail !== null) config.guardrail = body.config.guardrail as string;
  return { name: body.name, config };
}

/** At most this many documents per upload: a bound on one request's work, whatever the body limit. */
const MAX_UPLOAD_DOCUMENTS = 1000;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function parseFileName(v: unknown, at: string): string {
  if (typeof v !== 'string' || v === '' || v.length > 1024) throw bad(`${at}.fileName must be a file name of 1–1024 characters, e.g. "guide.md".`);
  // the name becomes the document's relative path and id source: keep it a plain relative path
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(v) || v.startsWith('/') || /^[A-Za-z]:/.test(v) || v.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw bad(`${at}.fileName must be a relative path without '..', '.', empty parts, backslashes or control characters.`);
  }
  return v;
}

function parseMetadata(v: unknown, at: string): DocumentMetadata | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw bad(`${at}.metadata must be an object of name → string, number, boolean or list of strings.`);
  const out: DocumentMetadata = {};
  for (const [key, value] of Object.entries(v)) {
    const ok =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (Array.isArray(value) && value.every((x) => typeof x === 'string'));
    if (!ok || key === '' || key.length > 256) throw bad(`${at}.metadata.${key.slice(0, 60)} must be a string, a finite number, a boolean or a list of strings (names 1–256 characters).`);
    out[key] = value;
  }
  return out;
}

/** POST /v1/knowledge-bases/{kb}/documents: `{documents: [{fileName, content (base64) | text, metadata?}]}`. */
export function parseUploadBody(body: unknown): UploadedDocument[] {
  const shape = '{"documents": [{"fileName": "guide.md", "text": "..." | "content": "<base64>", "metadata": {...}}]}';
  if (!isRecord(body) || !Array.isArray(body.documents)) throw bad(`Send the documents as ${shape}.`);
  if (body.documents.length === 0) throw bad(`'documents' is empty: ${shape}.`);
  if (body.documents.length > MAX_UPLOAD_DOCUMENTS) throw bad(`At most ${MAX_UPLOAD_DOCUMENTS} documents per upload (got ${body.documents.length}); send them in several requests.`);
  const seen = new Set<string>();
  return body.documents.map((d: unknown, i: number): UploadedDocument => {
    const at = `documents.${i}`;
    if (!isRecord(d)) throw bad(`${at} must be an object: ${shape}.`);
    const fileName = parseFileName(d.fileName, at);
    if (seen.has(fileName)) throw bad(`${at}.fileName '${fileName.slice(0, 200)}' appears twice in this upload; each file name is one document.`);
    seen.add(fileName);
    const hasText = d.text !== undefined && d.text !== null;
    const hasContent = d.content !== undefined && d.content !== null;
    if (hasText === hasContent) throw bad(`${at} needs exactly one of 'text' (a string) and 'content' (the file's bytes in base64).`);
    let content: Buffer;
    if (hasText) {
      if (typeof d.text !== 'string') throw bad(`${at}.text must be a string.`);
      content = Buffer.from(d.text, 'utf8');
    } else {
      if (typeof d.content !== 'string' || !BASE64.test(d.content)) throw bad(`${at}.content must be the file's bytes in base64.`);
      content = Buffer.from(d.content, 'base64');
    }
    const metadata = parseMetadata(d.metadata, at);
    return metadata === undefined ? { fileName, content } : { fileName, content, metadata };
  });
}

/** The caller a knowledge-base call is made and billed as: the key's own, acting in the tenant that owns the knowledge base. */
function kbCaller(request: FastifyRequest, tenant: string): Caller {
  return { ...callerOf(request), tenant };
}

/** What Retrieve and RetrieveAndGenerate share: the search as the body asks for it, the caller, tags and cancellation. */
function retrieveParams(
  body: { query: string; k?: number; mode?: SearchMode; filter?: RetrievalFilter; rerank?: RerankParams },
  request: FastifyRequest,
  reply: FastifyReply,
  tenant: string,
  knowledgeBase: string,
): RetrieveParams {
  return {
    tenant,
    knowledgeBase,
    query: body.query,
    k: body.k,
    mode: body.mode,
    filter: body.filter,
    rerank: body.rerank,
    caller: kbCaller(request, tenant),
    tags: parseTags(request.headers['x-strata-tags']),
    signal: abortOnClose(reply),
  };
}

/** Serves a Bedrock Retrieve request for one knowledge base (shared with the Bedrock Agent Runtime path). */
export async function serveRetrieve(service: KnowledgeBaseService, request: FastifyRequest, reply: FastifyReply, tenant: string, knowledgeBase: string) {
  const body = parseRetrieveBody(request.body);
  const results = await service.retrieve(retrieveParams(body, request, reply, tenant, knowledgeBase));
  return reply.send(retrieveResponseBody(results));
}

/**
 * Serves a Bedrock RetrieveAndGenerate request (shared with the Bedrock Agent Runtime path). `pathKb`
 * is the knowledge base the URL names, if any; a knowledgeBaseId in the body must then name the same one.
 */
export async function serveRetrieveAndGenerate(
  deps: { gateway: Gateway; service: KnowledgeBaseService },
  request: FastifyRequest,
  reply: FastifyReply,
  tenant: string,
  pathKb: string | undefined,
) {
  const body = parseRetrieveAndGenerateBody(request.body);
  let knowledgeBase = pathKb ?? body.knowledgeBaseId;
  if (knowledgeBase === undefined) {
    throw bad('retrieveAndGenerateConfiguration.knowledgeBaseConfiguration.knowledgeBaseId is required: the id (or name) of the knowledge base to answer from.');
  }
  if (pathKb !== undefined && body.knowledgeBaseId !== undefined && body.knowledgeBaseId !== pathKb) {
    const [a, b] = await Promise.all([deps.service.get(tenant, pathKb), deps.service.get(tenant, body.knowledgeBaseId)]);
    if (a.id !== b.id) throw bad(`knowledgeBaseId '${body.knowledgeBaseId.slice(0, 100)}' is not the knowledge base of this path ('${pathKb}'); leave it out or send the same one.`);
    knowledgeBase = a.id;
  }
  const model = body.modelArn === undefined ? undefined : modelAliasFor(deps.gateway.catalog, body.modelArn);
  const result = await deps.service.retrieveAndGenerate({
    ...retrieveParams(body, request, reply, tenant, knowledgeBase),
    sessionId: body.sessionId,
    model,
    promptTemplate: body.promptTemplate,
    guardrail: body.guardrail,
  });
  return reply.headers(answerHeaders(result)).send(retrieveAndGenerateResponseBody(result));
}

/**
 * /v1/knowledge-bases: knowledge bases, their documents, and Retrieve / RetrieveAndGenerate in Bedrock
 * Knowledge Bases shapes. The tenant is the key's (an admin may name another with ?tenant=); a knowledge
 * base of another tenant is not found, exactly like one that does not exist.
 */
export function registerKbRoutes(app: FastifyInstance, deps: KbRoutesDeps): void {
  type KbParams = { Params: { kb: string } };

  app.post('/v1/knowledge-bases', async (request, reply) => {
    const service = serviceOf(deps);
    const tenant = requestTenant(request, 'kb:write');
    const body = parseCreateBody(request.body);
    const kb = await service.create(tenant, body.name, body.config);
    return reply.code(201).send(knowledgeBaseBody(kb));
  });

  app.get('/v1/knowledge-bases', async (request, reply) => {
    const tenant = requestTenant(request, 'kb:write');
    const list = await serviceOf(deps).list(tenant);
    return reply.send({ object: 'list', data: list.map(knowledgeBaseBody) });
  });

  app.get<KbParams>('/v1/knowledge-bases/:kb', async (request, reply) => {
    const tenant = requestTenant(request, 'kb:write');
    return reply.send(knowledgeBaseBody(await serviceOf(deps).get(tenant, request.params.kb)));
  });

  app.delete<KbParams>('/v1/knowledge-bases/:kb', async (request, reply) => {
    const tenant = requestTenant(request, 'kb:write');
    const service = serviceOf(deps);
    const kb = await service.get(tenant, request.params.kb);
    await service.delete(tenant, kb.id);
    return reply.send({ object: 'knowledge_base.deleted', id: kb.id, name: kb.name, deleted: true });
  });

  app.post<KbParams>('/v1/knowledge-bases/:kb/documents', async (request, reply) => {
    const service = serviceOf(deps);
    const tenant = requestTenant(request, 'kb:write');
    const docs = parseUploadBody(request.body);
    const summary = await service.ingestDocuments(tenant, request.params.kb, docs, { caller: kbCaller(request, tenant) });
    return reply.send({ object: 'knowledge_base.ingestion', ...summary });
  });

  app.get<KbParams>('/v1/knowledge-bases/:kb/documents', async (request, reply) => {
    const tenant = requestTenant(request, 'kb:write');
    const docs = await serviceOf(deps).listDocuments(tenant, request.params.kb);
    return reply.send({ object: 'list', data: docs.map(documentBody) });
  });

  app.delete<{ Params: { kb: string; docId: string } }>('/v1/knowledge-bases/:kb/documents/:docId', async (request, reply) => {
    const tenant = requestTenant(request, 'kb:write');
    await serviceOf(deps).deleteDocument(tenant, request.params.kb, request.params.docId);
    return reply.send({ object: 'knowledge_base.document.deleted', id: request.params.docId, deleted: true });
  });

  app.post<KbParams>('/v1/knowledge-bases/:kb/retrieve', async (request, reply) => {
    const service = serviceOf(deps);
    return serveRetrieve(service, request, reply, requestTenant(request, 'invoke'), request.params.kb);
  });

  app.post<KbParams>('/v1/knowledge-bases/:kb/retrieve-and-generate', async (request, reply) => {
    const service = serviceOf(deps);
    return serveRetrieveAndGenerate({ gateway: deps.gateway, service }, request, reply, requestTenant(request, 'invoke'), request.params.kb);
  });
}
