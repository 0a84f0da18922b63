import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StrataError } from '../core/index.js';
import { exchangeFields, retryAfterSeconds, toHandledError } from './request-common.js';
import type { Gateway } from '../gateway/index.js';
import type { Logger } from '../observe/index.js';
import { awsErrorResponse } from '../providers/bedrock/index.js';
import { bedrockExceptionName, converseBody, converseStreamFrames, parseConverseBody, bedrockResponseHeaders } from './bedrock-wire.js';

export interface BedrockRoutesDeps {
  gateway: Gateway;
  logger?: Logger;
}

/**
 * Serves the Bedrock Runtime wire protocol (Converse, ConverseStream) under /model, so an unchanged
 * `BedrockRuntimeClient` pointed at Strata goes through the same gateway pipeline as /v1/chat/completions.
 * The plugin scope has its own error and not-found handlers: everything under /model answers in
 * the AWS JSON error format, which the SDK turns into its exception classes.
 *
 * Callers authenticate like everywhere else, with a Strata key as a bearer token: the SDK sends one
 * as a Bedrock API key (`token: { token }`, `authSchemePreference: ['httpBearerAuth']`). SigV4
 * signatures are refused with UnrecognizedClientException, as AWS refuses an unknown caller.
 */
export function registerBedrockRoutes(app: FastifyInstance, deps: BedrockRoutesDeps): void {
  void app.register(
    (scope, _opts, done) => {
      bedrockRoutes(scope, deps);
      done();
    },
    { prefix: '/model' },
  );
}

function bedrockRoutes(scope: FastifyInstance, { gateway, logger }: BedrockRoutesDeps): void {
  scope.setErrorHandler((error, request, reply) => {
    void sendAwsError(reply, toHandledError(error, request, logger), request.id);
  });
  scope.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    void sendAwsError(reply, new StrataError('not_found', `No operation ${request.method} ${path}: Strata serves POST /model/{modelId}/converse and /model/{modelId}/converse-stream.`), request.id);
  });

  scope.post<{ Params: { modelId: string } }>('/:modelId/converse', async (request, reply) => {
    const req = gatewayRequest(request, reply);
    const { meta, result } = await gateway.chat(req);
    return reply.headers(bedrockResponseHeaders(meta)).send(converseBody(result, Date.now() - req.receivedAt, meta));
  });

  scope.post<{ Params: { modelId: string } }>('/:modelId/converse-stream', async (request, reply) => {
    const req = gatewayRequest(request, reply);
    // Failures until the first token are ordinary AWS errors (the error handler); after it, exception frames.
    const { meta, chunks } = await gateway.stream(req);
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', ...bedrockResponseHeaders(meta) });
    // leaving the loop early returns the generator, which ends the upstream stream and records it
    for await (const frame of converseStreamFrames(chunks, req.receivedAt, meta)) {
      if (raw.destroyed) return;
      raw.write(frame);
    }
    raw.end();
  });
}

/** The gateway request for a Converse call: `{modelId}` (already URL-decoded) names a route or model alias. */
function gatewayRequest(request: FastifyRequest<{ Params: { modelId: string } }>, reply: FastifyReply) {
  const receivedAt = Date.now();
  const body = parseConverseBody(request.body);
  // Object.assign keeps the fields' lazy signal getter (a spread would drop it)
  return Object.assign(exchangeFields(request, reply), { model: request.params.modelId, messages: body.messages, params: body.params, receivedAt });
}

function sendAwsError(reply: FastifyReply, err: StrataError, requestId: string): FastifyReply {
  const res = awsErrorResponse(bedrockExceptionName(err), err.message, requestId);
  const retryAfter = retryAfterSeconds(err);
  if (retryAfter !== undefined && (res.status === 429 || res.status === 503)) res.headers['retry-after'] = retryAfter;
  return reply.code(res.status).headers(res.headers).send(res.body);
}
