import type { FastifyInstance, FastifyReply } from 'fastify';
import { StrataError, type StrataErrorCode } from '../core/index.js';
import type { Gateway } from '../gateway/index.js';
import type { Logger } from '../observe/index.js';
import type { KnowledgeBaseService } from '../rag/index.js';
import { createReranker, parseRerankerSpec, type Reranker } from '../rag/index.js';
import { principalOf } from './auth.js';
import { serveRetrieve, serveRetrieveAndGenerate, serviceOf } from './kb-routes.js';
import { abortOnClose, retryAfterSeconds, toHandledError } from './request-common.js';
import { parseRerankBody, rerankResponseBody } from './rerank-wire.js';

export interface AgentRuntimeRoutesDeps {
  gateway: Gateway;
  knowledgeBases?: KnowledgeBaseService;
  logger?: Logger;
  /** the reranker a Rerank request's modelArn names (default: the rerank module's, over process.env) */
  rerankerFor?: (model: string) => Reranker;
}

/** The exceptions Bedrock Agent Runtime models, and the HTTP status each is answered with. */
const EXCEPTION_STATUS: Readonly<Record<string, number>> = {
  ValidationException: 400,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  DependencyFailedException: 424,
  ThrottlingException: 429,
  InternalServerException: 500,
  BadGatewayException: 502,
};

/**
 * Our codes in Agent Runtime's vocabulary. A failing model behind RetrieveAndGenerate is a failing
 * dependency: a transient one is BadGatewayException (a server fault the SDK may retry), a
 * misconfigured one DependencyFailedException.
 */
const EXCEPTION_BY_CODE: Partial<Record<StrataErrorCode, string>> = {
  invalid_request: 'ValidationException',
  invalid_json: 'ValidationException',
  payload_too_large: 'ValidationException',
  guardrail_blocked: 'ValidationException',
  upstream_invalid_request: 'ValidationException',
  not_found: 'ResourceNotFoundException',
  model_not_found: 'ResourceNotFoundException',
  unauthorized: 'UnrecognizedClientException',
  forbidden: 'AccessDeniedException',
  rate_limited: 'ThrottlingException',
  budget_exceeded: 'ThrottlingException',
  upstream_throttled: 'ThrottlingException',
  upstream_quota_exceeded: 'ThrottlingException',
  upstream_unavailable: 'BadGatewayException',
  upstream_timeout: 'BadGatewayException',
  upstream_internal: 'BadGatewayException',
  upstream_connection: 'BadGatewayException',
  upstream_model_error: 'BadGatewayException',
  upstream_stream_error: 'BadGatewayException',
  circuit_open: 'BadGatewayException',
  deadline_exceeded: 'BadGatewayException',
  upstream_access_denied: 'DependencyFailedException',
  upstream_not_found: 'DependencyFailedException',
  config_invalid: 'DependencyFailedException',
};

/** The Bedrock Agent Runtime exception a StrataError is answered with. */
export function agentRuntimeExceptionName(err: StrataError): string {
  // a 409 (e.g. a name taken) keeps its meaning even though its code is invalid_request
  if (err.status === 409) return 'ConflictException';
  return EXCEPTION_BY_CODE[err.code] ?? 'InternalServerException';
}

function sendAwsError(reply: FastifyReply, err: StrataError, requestId: string): FastifyReply {
  const name = agentRuntimeExceptionName(err);
  const status = EXCEPTION_STATUS[name] ?? 500;
  // restJson1: the SDK picks the exception class from x-amzn-errortype and reads `message`
  reply.code(status).headers({ 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock.agent.runtime/`, 'x-amzn-requestid': requestId });
  const retryAfter = retryAfterSeconds(err);
  if (retryAfter !== undefined && status === 429) reply.header('retry-after', retryAfter);
  return reply.send({ message: err.message });
}

function awsErrorHandlers(scope: FastifyInstance, logger: Logger | undefined): void {
  scope.setErrorHandler((error, request, reply) => {
    void sendAwsError(reply, toHandledError(error, request, logger), request.id);
  });
}

/**
 * Serves Bedrock Agent Runtime's own paths — `POST /knowledgebases/{knowledgeBaseId}/retrieve`,
 * `POST /retrieveAndGenerate` and `POST /rerank` — so an unchanged `BedrockAgentRuntimeClient` pointed at
 * Strata works.
 * `knowledgeBaseId` is the knowledge base's id (its name is accepted too); the tenant is the key's.
 *
 * The client only signs with SigV4, which Strata cannot verify (it never holds a key's secret). It
 * authenticates with its Strata key as the session token of its credentials — sent as
 * `x-amz-security-token` — which the auth hook accepts on these paths (see auth.ts). Errors are AWS
 * JSON errors, which the SDK turns into its exception classes.
 */
export function registerAgentRuntimeRoutes(app: FastifyInstance, deps: AgentRuntimeRoutesDeps): void {
  void app.register(
    (scope, _opts, done) => {
      awsErrorHandlers(scope, deps.logger);
      scope.setNotFoundHandler((request, reply) => {
        const path = request.url.split('?')[0]!;
        void sendAwsError(reply, new StrataError('not_found', `No operation ${request.method} ${path}: Strata serves POST /knowledgebases/{knowledgeBaseId}/retrieve.`), request.id);
      });
      scope.post<{ Params: { knowledgeBaseId: string } }>('/:knowledgeBaseId/retrieve', async (request, reply) => {
        const service = serviceOf(deps);
        return serveRetrieve(service, request, reply, principalOf(request).tenant, request.params.knowledgeBaseId);
      });
      done();
    },
    { prefix: '/knowledgebases' },
  );
  void app.register((scope, _opts, done) => {
    awsErrorHandlers(scope, deps.logger);
    scope.post('/retrieveAndGenerate', async (request, reply) => {
      const service = serviceOf(deps);
      return serveRetrieveAndGenerate({ gateway: deps.gateway, service }, request, reply, principalOf(request).tenant, undefined);
    });
    scope.post('/retrieveAndGenerateStream', () => {
      // answered in the SDK's own terms rather than left to the generic 404, which the SDK cannot parse
      throw new StrataError('invalid_request', 'RetrieveAndGenerateStream is not supported by Strata yet: call RetrieveAndGenerate.');
    });
    const rerankerFor = deps.rerankerFor ?? ((model: string) => createReranker(parseRerankerSpec(model)));
    scope.post('/rerank', async (request, reply) => {
      const body = parseRerankBody(request.body);
      const results = await rerankerFor(body.model).rerank(body.query, body.documents, { topN: body.topN, signal: abortOnClose(reply) });
      return reply.send(rerankResponseBody(results));
    });
    done();
  });
}
