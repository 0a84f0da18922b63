import type { FastifyReply, FastifyRequest } from 'fastify';
import { StrataError, isRecord, toStrataError, type ChatMessage } from '../core/index.js';
import type { Gateway, GatewayChatRequest } from '../gateway/index.js';
import { renderPrompt, type PromptRef } from '../prompts/index.js';
import type { PromptRuntime } from '../prompts/runtime/index.js';
import { ChunkEncoder, chatCompletionJson, JSON_CONTENT_TYPE, parseChatBody } from './openai-wire.js';
import { exchangeFields, strataHeaders } from './request-common.js';

export interface PromptCompletionTarget {
  gateway: Gateway;
  runtime: PromptRuntime;
  name: string;
  /** a reference given in the path (`name@production/completions`) */
  ref: PromptRef;
  tenant: string;
}

const BODY_SHAPE = '{"variables"?: {…}, "label"? | "version"?, "stream"?, "messages"?: […], "model"?}';
// parseChatBody validates extra messages and parameters exactly as /v1/chat/completions does; it
// needs a non-empty message list, so an absent one is stood in for and dropped again.
const PLACEHOLDER = [{ role: 'user', content: '.' }];

/** The reference asked for: path, or body label / version, never two different ones. */
function refOf(path: PromptRef, body: Record<string, unknown>): PromptRef {
  const label = body.label;
  const version = body.version;
  if (label !== undefined && label !== null && typeof label !== 'string') throw bad("'label' must be a string.", 'label');
  if (version !== undefined && version !== null && (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1)) {
    throw bad("'version' must be a version number (1, 2, …).", 'version');
  }
  const fromBody: PromptRef = {};
  if (typeof label === 'string') fromBody.label = label;
  if (typeof version === 'number') fromBody.version = version;
  const given = [path, fromBody].filter((r) => r.label !== undefined || r.version !== undefined);
  if (given.length === 2 || (fromBody.label !== undefined && fromBody.version !== undefined)) {
    throw bad('Give one reference: a label or a version, in the path or in the body.', 'label');
  }
  return given[0] ?? {};
}

function bad(message: string, param: string): StrataError {
  return new StrataError('invalid_request', message, { details: { param } });
}

/**
 * POST /v1/prompts/{name}/completions: renders the prompt (label → version through the runtime's
 * cache), appends the body's extra messages and calls the gateway like /v1/chat/completions, with the
 * resolved `name@version` on the record and in x-strata-prompt.
 */
export async function servePromptCompletion(request: FastifyRequest, reply: FastifyReply, t: PromptCompletionTarget): Promise<FastifyReply | undefined> {
  const raw = request.body ?? {};
  if (!isRecord(raw)) throw new StrataError('invalid_request', `Send a JSON object: ${BODY_SHAPE}.`);
  const { variables, label: _l, version: _v, messages, model, ...rest } = raw;
  if (variables !== undefined && variables !== null && !isRecord(variables)) throw bad("'variables' must be an object of name → value.", 'variables');
  if (model !== undefined && model !== null && (typeof model !== 'string' || model === '')) throw bad("'model' must be a route name or a model alias.", 'model');
  if (messages !== undefined && messages !== null && !Array.isArray(messages)) throw bad("'messages' must be an array of extra messages.", 'messages');
  const extra = Array.isArray(messages) && messages.length > 0 ? messages : undefined;
  const parsed = parseChatBody({ ...rest, model: 'prompt', messages: extra ?? PLACEHOLDER });
  const ref = refOf(t.ref, raw);

  const fields = exchangeFields(request, reply);
  const subject = fields.subject ?? fields.caller.keyId ?? fields.invocationId;
  const { version, experiment } = await t.runtime.choose(t.name, { ...ref, tenant: t.tenant, subject });
  const rendered = renderPrompt(version.content, variables ?? {}, `${version.name}@${version.version}`);
  const target = typeof model === 'string' ? model : rendered.route;
  if (target === undefined) {
    throw bad(`Prompt '${rendered.ref}' names no model (model.route in its file); name one in 'model'.`, 'model');
  }
  const chatMessages: ChatMessage[] = rendered.messages.map((m) => ({ role: m.role, content: m.content }));
  if (extra) chatMessages.push(...parsed.messages);
  // Object.assign keeps the fields' lazy signal getter (a spread would drop it)
  const req: GatewayChatRequest = Object.assign(fields, {
    model: target,
    messages: chatMessages,
    // the request's own parameters win over the prompt's defaults
    params: { ...rendered.params, ...parsed.params },
    prompt: rendered.ref,
    experiment,
    caller: { ...fields.caller, tenant: t.tenant },
  });
  // headers go out before the gateway answers, so a refusal can still be matched to the prompt version
  reply.header('x-strata-prompt', rendered.ref);
  const created = Math.floor(Date.now() / 1000);
  if (!parsed.stream) {
    const { meta, result } = await t.gateway.chat(req);
    return reply.headers(strataHeaders(meta)).type(JSON_CONTENT_TYPE).send(chatCompletionJson(meta, result, created));
  }
  const { meta, chunks } = await t.gateway.stream(req);
  const out = reply.raw;
  reply.hijack();
  out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...strataHeaders(meta) });
  const enc = new ChunkEncoder(meta, created, parsed.includeUsage);
  try {
    for await (const chunk of chunks) {
      if (out.destroyed) break;
      out.write(enc.encode(chunk));
    }
    if (!out.destroyed) out.end(enc.done());
  } catch (e) {
    // after the first token nothing is retried: the client gets an error event and the stream ends
    if (!out.destroyed) out.end(enc.error(toStrataError(e)));
  }
  return undefined;
}
