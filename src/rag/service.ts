import { StrataError, type Clock } from '../core/index.js';
import type { Caller, Gateway, Step } from '../gateway/index.js';
import type { Logger } from '../observe/index.js';
import type { PromptRuntime } from '../prompts/runtime/index.js';
import type { Store } from '../store/index.js';
import { retrieveAndGenerate, type AnswerSettings } from './answer/answer.js';
import { DatabaseSessionStore } from './answer/db-sessions.js';
import type { AnswerGuard, AnswerGuardrails } from './answer/guard.js';
import { GuardedGenerations } from './answer/guard-step.js';
import { retrieveWithRerank } from './answer/retrieve.js';
import type { SessionStore } from './answer/sessions.js';
import { KnowledgeBaseStore, ingest, ingestDocuments, reembed, search, type EmbeddingGateway, type KnowledgeBase, type KnowledgeBaseConfigInput } from './kb/index.js';
import { createReranker, parseRerankerSpec, type Reranker } from './rerank/index.js';
import type { AnswerParams, AnswerResult, DocumentInfo, KnowledgeBaseService, RetrieveParams } from './service-types.js';

/** The `rag:` section of strata.yaml as the service reads it. */
export interface RagSettings extends AnswerSettings {
  sessionTtlSeconds: number;
}

export interface KnowledgeBaseServiceDeps {
  store: Store;
  gateway: Gateway;
  /** the registry prompt `rag.prompt` is read through (absent: always the bundled default) */
  prompts?: PromptRuntime;
  /** the validated strata.yaml; only its `rag:` section is read */
  config: { rag: RagSettings };
  logger?: Logger;
  /** where conversations live (default: the database, so any replica can continue a session) */
  sessions?: SessionStore;
  clock?: Clock;
  /** AWS_REGION, STRATA_BEDROCK_ENDPOINT for Bedrock rerankers (default process.env) */
  env?: Record<string, string | undefined>;
  /** builds a reranker from what a request names ('local', a Bedrock model id, an ARN); default: the rerank module's */
  rerankerFor?: (model: string) => Reranker;
  /**
   * the guardrail policies a knowledge base (`config.guardrail`) or a request may name; strata.ts adapts its
   * guardrail registry. The gateway must then run the service's `answerGuardStep` (see GuardedGenerations).
   */
  guardrails?: AnswerGuardrails;
}

/** The service, plus the gateway step that applies guardrail policies inside an answer's generation call. */
export interface KnowledgeBaseServiceWithGuardStep extends KnowledgeBaseService {
  /** install in the gateway's steps right after the route guardrail step (strata.ts does) */
  readonly answerGuardStep: Step;
}

function knownPolicies(guardrails: AnswerGuardrails | undefined): string {
  const names = guardrails?.names() ?? [];
  return names.length === 0 ? 'this server has none' : `known: ${names.join(', ')}`;
}

/** Checks a knowledge base's `guardrail` against the server's policies at create time (invalid_request naming them). */
function checkConfiguredPolicy(guardrails: AnswerGuardrails | undefined, config: KnowledgeBaseConfigInput | undefined): void {
  const name = config?.guardrail;
  if (name === undefined || name === null) return;
  if (typeof name === 'string' && guardrails?.names().includes(name)) return;
  throw new StrataError('invalid_request', `No guardrail policy '${String(name).slice(0, 100)}' (${knownPolicies(guardrails)}); define it under 'guardrails:' in strata.yaml or name another.`);
}

/**
 * The gateway's embed with the request's caller (key attribution and model allow-lists, not only the kb's
 * tenant) and its tags under the operation's own `feature` (ingest, retrieve).
 */
function embeddingGateway(gateway: Gateway, caller: Caller | undefined, tags?: Record<string, string>): EmbeddingGateway {
  if (caller === undefined && tags === undefined) return gateway;
  return {
    embed: (req) => gateway.embed({ ...req, caller: caller ?? req.caller, tags: { ...tags, ...req.tags } }),
  };
}

/** Sessions in the database: any replica can continue a conversation, and a restart keeps them. */
function defaultSessionStore(deps: KnowledgeBaseServiceDeps, ttlMs: number): SessionStore {
  return new DatabaseSessionStore(deps.store, { ttlMs, clock: deps.clock });
}

/** The one facade over knowledge bases for the server, the Bedrock Agent Runtime paths and the CLI; tenant-scoped. */
export function createKnowledgeBaseService(deps: KnowledgeBaseServiceDeps): KnowledgeBaseServiceWithGuardStep {
  const rag = deps.config.rag;
  const generations = new GuardedGenerations();
  const sessions = deps.sessions ?? defaultSessionStore(deps, rag.sessionTtlSeconds * 1000);
  const rerankerFor = deps.rerankerFor ?? ((model: string) => createReranker(parseRerankerSpec(model), deps.env ?? process.env));
  const rerankers = new Map<string, Reranker>();
  const reranker = (model: string | undefined): Reranker => {
    const key = (model ?? 'local').trim();
    let r = rerankers.get(key);
    if (r === undefined) {
      r = rerankerFor(key);
      rerankers.set(key, r);
    }
    return r;
  };
  // Built on first use: the kb store checks its engine when constructed, and a server without knowledge base
  // support on its database should still start (and answer knowledge base calls with that reason).
  let kbsInstance: KnowledgeBaseStore | undefined;
  const kbs = (): KnowledgeBaseStore => (kbsInstance ??= new KnowledgeBaseStore(deps.store));

  /** By name, else by id (Bedrock's paths name knowledge bases by id); another tenant's is not found. */
  const resolve = async (tenant: string, nameOrId: string): Promise<KnowledgeBase> => {
    if (typeof nameOrId !== 'string' || nameOrId === '') throw new StrataError('invalid_request', 'Name the knowledge base (its name or id).');
    return kbs().resolve(tenant, nameOrId);
  };

  const retrieveFrom = (kb: KnowledgeBase, params: RetrieveParams) => {
    const gateway = embeddingGateway(deps.gateway, params.caller, params.tags);
    return retrieveWithRerank((query, opts) => search(kbs(), gateway, kb, query, opts), params, reranker);
  };
  const retrieve = async (params: RetrieveParams) => retrieveFrom(await resolve(params.tenant, params.knowledgeBase), params);

  /**
   * The guard of an answer: the request's policy wins over the knowledge base's. An unknown policy named by the
   * request is the request's fault (400); one the knowledge base recorded but strata.yaml no longer defines is a
   * conflict between the two (409) that the operator resolves.
   */
  const guardFor = (kb: KnowledgeBase, params: AnswerParams): AnswerGuard | undefined => {
    const requested = params.guardrail;
    if (requested !== undefined && (typeof requested !== 'string' || requested === '')) throw new StrataError('invalid_request', 'guardrail must be the name of a guardrail policy.');
    const name = requested ?? kb.config.guardrail;
    if (name === undefined) return undefined;
    if (deps.guardrails?.names().includes(name)) return deps.guardrails.open(name, { signal: params.signal });
    if (requested !== undefined) {
      throw new StrataError('invalid_request', `No guardrail policy '${name.slice(0, 100)}' (${knownPolicies(deps.guardrails)}); name a policy defined under 'guardrails:' in strata.yaml.`);
    }
    throw new StrataError(
      'config_invalid',
      `Knowledge base '${kb.name}' is guarded by policy '${name}', which this server's strata.yaml does not define (${knownPolicies(deps.guardrails)}); define it again under 'guardrails:' before asking.`,
      { status: 409 },
    );
  };

  return {
    async create(tenant, name, config) {
      checkConfiguredPolicy(deps.guardrails, config);
      return kbs().create(tenant, name, config);
    },
    async list(tenant) {
      return kbs().list(tenant);
    },
    get: resolve,
    async delete(tenant, nameOrId) {
      const kb = await resolve(tenant, nameOrId);
      await kbs().delete(tenant, kb.name);
    },
    async ingestPath(tenant, nameOrId, path, opts = {}) {
      const kb = await resolve(tenant, nameOrId);
      const { caller, ...ingestOpts } = opts;
      return ingest(kbs(), embeddingGateway(deps.gateway, caller), kb, path, ingestOpts);
    },
    async ingestDocuments(tenant, nameOrId, docs, opts = {}) {
      const kb = await resolve(tenant, nameOrId);
      return ingestDocuments(kbs(), embeddingGateway(deps.gateway, opts.caller), kb, docs);
    },
    async listDocuments(tenant, nameOrId): Promise<DocumentInfo[]> {
      const kb = await resolve(tenant, nameOrId);
      return await kbs().documents(kb);
    },
    async deleteDocument(tenant, nameOrId, docId) {
      const kb = await resolve(tenant, nameOrId);
      await kbs().deleteDocument(tenant, kb.name, docId);
    },
    async reembed(tenant, nameOrId, embeddingModel, opts = {}) {
      const kb = await resolve(tenant, nameOrId);
      const out = await reembed(kbs(), embeddingGateway(deps.gateway, opts.caller), kb, embeddingModel, { onProgress: opts.onProgress });
      return { chunks: out.chunks, seconds: out.seconds };
    },
    retrieve,
    async retrieveAndGenerate(params: AnswerParams): Promise<AnswerResult> {
      const kb = await resolve(params.tenant, params.knowledgeBase);
      const guard = guardFor(kb, params);
      return retrieveAndGenerate(
        { gateway: deps.gateway, prompts: deps.prompts, sessions, settings: rag, retrieve: (p) => retrieveFrom(kb, p), logger: deps.logger, guard, generations },
        params,
      );
    },
    answerGuardStep: generations.step,
  };
}
