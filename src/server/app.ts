import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { StrataError, newId, toStrataError } from '../core/index.js';
import type { Gateway, InvocationMeta, Priority } from '../gateway/index.js';
import type { GatewayMetrics, Logger } from '../observe/index.js';
import { ChunkEncoder, chatCompletionBody, openAIErrorBody, parseChatBody } from './openai-wire.js';
import { parseEmbeddingBody, embeddingResponseBody } from './embeddings-wire.js';

export interface ServerOptions {
  gateway: Gateway;
  logger: Logger;
  metrics?: GatewayMetrics;
  bodyLimitBytes: number;
  /** answers /readyz: false while starting or draining */
  isReady?: () => Promise<boolean> | boolean;
  /** called once closing has begun: from then on new requests get 503 or a refused connection */
  onDraining?: () => void;
}

/** The fastify app: translates the OpenAI wire format to and from the gateway pipeline. */
export function buildServer(opts: ServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimitBytes,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    keepAliveTimeout: 65_000,
  });
  const { gateway, logger } = opts;
  // Plain JSON.parse: bodies are validated field by field and never merged into other objects, so the
  // prototype-poisoning scan of the default parser buys nothing on this hot path.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') {
      done(new StrataError('invalid_json', 'The request body is empty; send a JSON object.'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new StrataError('invalid_json', 'The request body is not valid JSON.'), undefined);
    }
  });
  if (opts.onDraining) {
    const onDraining = opts.onDraining;
    app.addHook('preClose', (done) => {
      onDraining();
      done();
    });
  }

  app.setErrorHandler((error, request, reply) => {
    const err = fromFastifyError(error);
    if (err.status >= 500 && err.code === 'internal') {
      logger.error({ err: { name: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack }, path: request.routeOptions.url }, 'unhandled error');
    }
    void sendError(reply, err);
  });
  app.setNotFoundHandler((request, reply) => {
    void sendError(reply, new StrataError('not_found', `No route ${request.method} ${request.url.split('?')[0]}. See the README for the endpoints.`));
  });

  app.get('/healthz', (_req, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ready = opts.isReady ? await opts.isReady() : true;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready' });
  });
  app.get('/metrics', async (_req, reply) => {
    if (!opts.metrics) return reply.code(404).send('metrics disabled\n');
    const { contentType, body } = await opts.metrics.render();
    return reply.header('content-type', contentType).send(body);
  });

  app.get('/v1/models', (_req, reply) => {
    const created = Math.floor(Date.now() / 1000);
    const data = gateway.catalog.routes().map((r) => {
      const m = gateway.catalog.model(r.name);
      return {
        id: r.name,
        object: 'model',
        created,
        owned_by: m ? m.provider : 'strata-route',
        strata: m ? { kind: 'model', type: m.type, provider: m.provider, providerModelId: m.providerModelId } : { kind: 'route', models: r.models },
      };
    });
    return reply.send({ object: 'list', data });
  });

  app.post('/v1/chat/completions', async (request, reply) => {
    const body = parseChatBody(request.body);
    const abort = clientAbort(request, reply);
    const common = {
      model: body.model,
      messages: body.messages,
      params: body.params,
      priority: parsePriority(request.headers['x-strata-priority']),
      signal: abort.signal,
      invocationId: newId('inv'),
    };
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      const { meta, result } = await gateway.chat({ ...common, stream: false });
      setMetaHeaders(reply, meta);
      return reply.send(chatCompletionBody(meta, result, created));
    }
    const { meta, chunks } = await gateway.stream({ ...common, stream: true });
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-strata-invocation-id': meta.invocationId,
      'x-strata-model': meta.model,
      'x-strata-attempts': String(meta.attempts),
      'x-strata-cache': 'bypass',
    });
    const enc = new ChunkEncoder(meta, created, body.includeUsage);
    try {
      for await (const chunk of chunks) {
        if (raw.destroyed) break;
        raw.write(enc.encode(chunk));
      }
      if (!raw.destroyed) raw.end(enc.done());
    } catch (e) {
      // after the first token nothing is retried: the client gets an error event and the stream ends
      if (!raw.destroyed) raw.end(enc.error(toStrataError(e)));
    }
  });

  app.post('/v1/embeddings', async (request, reply) => {
    const body = parseEmbeddingBody(request.body);
    const abort = clientAbort(request, reply);
    const out = await gateway.embed({ model: body.model, input: body.input, dimensions: body.dimensions, signal: abort.signal, invocationId: newId('inv') });
    setMetaHeaders(reply, out.meta);
    return reply.send(embeddingResponseBody(out, body.encodingFormat));
  });

  return app;
}

function parsePriority(v: string | string[] | undefined): Priority {
  if (v === undefined) return 'normal';
  if (v === 'critical' || v === 'normal') return v;
  throw new StrataError('invalid_request', "x-strata-priority must be 'critical' or 'normal'.");
}

/** Aborts when the client goes away before the response is finished. */
function clientAbort(request: FastifyRequest, reply: FastifyReply): AbortController {
  const ctrl = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ctrl.abort();
  });
  void request;
  return ctrl;
}

function setMetaHeaders(reply: FastifyReply, meta: InvocationMeta): void {
  reply.header('x-strata-invocation-id', meta.invocationId);
  reply.header('x-strata-model', meta.model);
  reply.header('x-strata-attempts', String(meta.attempts));
  reply.header('x-strata-cache', 'bypass');
}

function sendError(reply: FastifyReply, err: StrataError): FastifyReply {
  if (err.retryAfterMs !== undefined && (err.status === 429 || err.status === 503)) {
    reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
  }
  return reply.code(err.status === 499 ? 400 : err.status).send(openAIErrorBody(err));
}

/** Fastify's own errors (body parsing, limits) in our vocabulary. */
function fromFastifyError(error: unknown): StrataError {
  if (error instanceof StrataError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string; name?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new StrataError('payload_too_large', 'The request body is larger than the server accepts (server.bodyLimitBytes).');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new StrataError('invalid_request', 'Send the body as JSON with content-type: application/json.', { status: 415 });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new StrataError('invalid_json', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new StrataError('invalid_request', 'The content-length header does not match the body.');
    default:
      break;
  }
  if (e.name === 'SyntaxError' || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new StrataError('invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new StrataError('invalid_request', e.message ?? 'Bad request.', { status: e.statusCode });
  }
  return toStrataError(error);
}
