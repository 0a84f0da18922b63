import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { StrataError, isRecord, toStrataError } from '../core/index.js';
import type { Gateway, GatewayChatRequest } from '../gateway/index.js';
import { exchangeFields, retryAfterSeconds, strataHeaders, toHandledError } from './request-common.js';
import { registerUsageRoutes } from './usage-routes.js';
import type { GatewayMetrics, Logger } from '../observe/index.js';
import type { Store } from '../store/index.js';
import { ChunkEncoder, chatCompletionJson, JSON_CONTENT_TYPE, openAIErrorBody, parseChatBody } from './openai-wire.js';
import { parseEmbeddingBody, embeddingResponseBody } from './embeddings-wire.js';
import { registerBedrockRoutes } from './bedrock-routes.js';
import { registerAuth } from './auth.js';
import { registerKeyRoutes } from './keys-routes.js';
import type { KeyStore } from '../compliance/index.js';
import type { PromptRegistry } from '../prompts/index.js';
import type { PromptRuntime } from '../prompts/runtime/index.js';
import { registerPromptRoutes } from './prompt-routes.js';
import { registerExperimentRoutes } from './experiment-routes.js';
import type { ExperimentStore } from '../prompts/experiments/index.js';
import type { KnowledgeBaseService } from '../rag/index.js';
import { registerKbRoutes } from './kb-routes.js';
import { registerGuardrailRoutes } from './guardrail-routes.js';
import type { GuardrailRegistry } from '../guardrails/index.js';
import { registerAgentRuntimeRoutes } from './agent-runtime-routes.js';

export interface ServerOptions {
  gateway: Gateway;
  logger: Logger;
  metrics?: GatewayMetrics;
  /** where GET /v1/usage reads invocation records */
  store?: Store;
  bodyLimitBytes: number;
  /** API keys; undefined = development mode (no key needed, every caller is admin of tenant 'default') */
  keys?: KeyStore;
  /** /metrics needs a key as well (server.metricsAuth) */
  metricsNeedKey?: boolean;
  /** answers /readyz: false while starting or draining */
  isReady?: () => Promise<boolean> | boolean;
  /** called once closing has begun: from then on new requests get 503 or a refused connection */
  onDraining?: () => void;
  /** the prompt registry and runtime behind /v1/prompts (absent: those paths answer 404) */
  prompts?: { registry: PromptRegistry; runtime: PromptRuntime; experiments?: ExperimentStore; feedbackTextTenants?: string[] };
  /** knowledge bases behind /v1/knowledge-bases and the Bedrock Agent Runtime paths (absent: those answer 404) */
  knowledgeBases?: KnowledgeBaseService;
  /** guardrail policies behind POST /v1/guardrails/{policy}/apply (absent: 404) */
  guardrails?: GuardrailRegistry;
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
    void sendError(reply, toHandledError(error, request, logger));
  });
  app.setNotFoundHandler((request, reply) => {
    void sendError(reply, new StrataError('not_found', `No route ${request.method} ${request.url.split('?')[0]}. See the README for the endpoints.`));
  });

  registerAuth(app, { keys: opts.keys, metricsNeedKey: opts.metricsNeedKey ?? false, metrics: opts.metrics });

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
    // Object.assign keeps the fields' lazy signal getter (a spread would drop it)
    const common: GatewayChatRequest = Object.assign(exchangeFields(request, reply), { model: body.model, messages: body.messages, params: body.params });
    const variables = (request.body as Record<string, unknown>).strata_variables;
    if (variables !== undefined && variables !== null) {
      // for a route bound to a registry prompt (see createRoutePromptStep)
      if (!isRecord(variables)) throw new StrataError('invalid_request', "'strata_variables' must be an object of name → value.", { details: { param: 'strata_variables' } });
      common.variables = variables;
    }
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      const { meta, result } = await gateway.chat(common);
      return reply.headers(strataHeaders(meta)).type(JSON_CONTENT_TYPE).send(chatCompletionJson(meta, result, created));
    }
    const { meta, chunks } = await gateway.stream(common);
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...strataHeaders(meta) });
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
    const { tags, client, invocationId, caller } = exchangeFields(request, reply);
    const out = await gateway.embed({ model: body.model, input: body.input, dimensions: body.dimensions, tags, client, invocationId, caller });
    reply.headers(strataHeaders(out.meta));
    return reply.send(embeddingResponseBody(out, body.encodingFormat));
  });

  registerBedrockRoutes(app, { gateway, logger });
  registerUsageRoutes(app, { store: opts.store });
  registerKeyRoutes(app, { keys: opts.keys, gateway });
  registerPromptRoutes(app, { gateway, prompts: opts.prompts });
  registerKbRoutes(app, { gateway, knowledgeBases: opts.knowledgeBases });
  registerGuardrailRoutes(app, { guardrails: opts.guardrails });
  registerAgentRuntimeRoutes(app, { gateway, knowledgeBases: opts.knowledgeBases, logger });
  if (opts.prompts?.experiments) {
    registerExperimentRoutes(app, { store: opts.prompts.experiments, registry: opts.prompts.registry, feedbackTextTenants: opts.prompts.feedbackTextTenants });
  }
  return app;
}

function sendError(reply: FastifyReply, err: StrataError): FastifyReply {
  const retryAfter = retryAfterSeconds(err);
  if (retryAfter !== undefined) reply.header('retry-after', retryAfter);
  return reply.code(err.status === 499 ? 400 : err.status).send(openAIErrorBody(err));
}
