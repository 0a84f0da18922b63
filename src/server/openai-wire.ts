import { isRecord, jsonString, StrataError, type ChatChunk, type ChatMessage, type ChatParams, type ChatResult, type ToolChoice, type ToolSpec } from '../core/index.js';
import type { InvocationMeta } from '../gateway/index.js';

/** The OpenAI error body: `{ error: { message, type, param, code } }`. */
export function openAIErrorBody(err: StrataError): { error: { message: string; type: string; param: string | null; code: string } } {
  const param = typeof err.details?.param === 'string' ? err.details.param : null;
  return { error: { message: err.message, type: errorType(err.status), param, code: err.code } };
}

function errorType(status: number): string {
  if (status === 400 || status === 413 || status === 422) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 504) return 'timeout_error';
  return 'api_error';
}

export interface ParsedChatBody {
  model: string;
  messages: ChatMessage[];
  params: ChatParams;
  stream: boolean;
  includeUsage: boolean;
}

function bad(message: string, param?: string): StrataError {
  return new StrataError('invalid_request', message, { details: param ? { param } : undefined });
}


const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/** Validates an OpenAI chat-completions body by hand: fast on the hot path, one precise message per problem. */
export function parseChatBody(body: unknown): ParsedChatBody {
  if (!isRecord(body)) throw bad('The request body must be a JSON object.');
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) throw bad("'model' is required: a route name or a model alias (GET /v1/models lists them).", 'model');
  const rawMessages = body.messages;
  if (!Array.isArray(rawMessages) || rawMessages.length === 0) throw bad("'messages' must be a non-empty array.", 'messages');
  const messages: ChatMessage[] = new Array<ChatMessage>(rawMessages.length);
  for (let i = 0; i < rawMessages.length; i++) messages[i] = parseMessage(rawMessages[i], i);
  const params: ChatParams = {};
  const temperature = optNumber(body, 'temperature', 0, 2);
  if (temperature !== undefined) params.temperature = temperature;
  const topP = optNumber(body, 'top_p', 0, 1);
  if (topP !== undefined) params.topP = topP;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) throw bad("'max_tokens' must be a positive integer.", 'max_tokens');
    params.maxTokens = maxTokens;
  }
  const stop = body.stop;
  if (stop !== undefined && stop !== null) {
    if (typeof stop === 'string') params.stop = [stop];
    else if (Array.isArray(stop) && stop.every((s) => typeof s === 'string') && stop.length <= 4) params.stop = stop;
    else throw bad("'stop' must be a string or an array of at most 4 strings.", 'stop');
  }
  if (body.tools !== undefined && body.tools !== null) params.tools = parseTools(body.tools);
  if (body.tool_choice !== undefined && body.tool_choice !== null) params.toolChoice = parseToolChoice(body.tool_choice);
  const stream = body.stream;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') throw bad("'stream' must be a boolean.", 'stream');
  const n = body.n;
  if (n !== undefined && n !== null && n !== 1) throw bad("Only 'n': 1 is supported.", 'n');
  const so = body.stream_options;
  const includeUsage = isRecord(so) && so.include_usage === true;
  return { model, messages, params, stream: stream === true, includeUsage };
}

function optNumber(body: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw bad(`'${key}' must be a number between ${min} and ${max}.`, key);
  return v;
}

function parseMessage(raw: unknown, i: number): ChatMessage {
  const at = `messages[${i}]`;
  if (!isRecord(raw)) throw bad(`${at} must be an object with 'role' and 'content'.`, at);
  const role = raw.role;
  if (typeof role !== 'string' || !ROLES.has(role)) throw bad(`${at}.role must be one of system, developer, user, assistant, tool.`, `${at}.role`);
  const content = contentText(raw.content, at);
  const msg: ChatMessage = { role: role === 'developer' ? 'system' : (role as ChatMessage['role']), content };
  if (role === 'assistant' && Array.isArray(raw.tool_calls)) {
    msg.toolCalls = raw.tool_calls.map((tc: unknown, j: number) => {
      const p = `${at}.tool_calls[${j}]`;
      if (!isRecord(tc) || typeof tc.id !== 'string' || !isRecord(tc.function) || typeof tc.function.name !== 'string') {
        throw bad(`${p} must have an 'id' and a 'function' with a 'name'.`, p);
      }
      const args = tc.function.arguments;
      return { id: tc.id, name: tc.function.name, arguments: typeof args === 'string' ? args : '{}' };
    });
  }
  if (role === 'tool') {
    if (typeof raw.tool_call_id !== 'string') throw bad(`${at}.tool_call_id is required for tool messages.`, `${at}.tool_call_id`);
    msg.toolCallId = raw.tool_call_id;
  }
  if (typeof raw.name === 'string') msg.name = raw.name;
  if (content === '' && role !== 'assistant') throw bad(`${at}.content must not be empty.`, `${at}.content`);
  return msg;
}

function contentText(content: unknown, at: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    let s = '';
    for (let j = 0; j < content.length; j++) {
      const part: unknown = content[j];
      if (!isRecord(part) || typeof part.type !== 'string') throw bad(`${at}.content[${j}] must be a content part object.`, `${at}.content`);
      if (part.type === 'text' && typeof part.text === 'string') s += (s ? '\n' : '') + part.text;
      else throw bad(`${at}.content[${j}]: only text parts are supported (got '${part.type}').`, `${at}.content`);
    }
    return s;
  }
  throw bad(`${at}.content must be a string or an array of text parts.`, `${at}.content`);
}

function parseTools(raw: unknown): ToolSpec[] {
  if (!Array.isArray(raw)) throw bad("'tools' must be an array.", 'tools');
  return raw.map((t: unknown, i: number) => {
    if (!isRecord(t) || t.type !== 'function' || !isRecord(t.function) || typeof t.function.name !== 'string') {
      throw bad(`tools[${i}] must be {type: 'function', function: {name, description?, parameters?}}.`, `tools[${i}]`);
    }
    const f = t.function;
    return {
      name: f.name as string,
      description: typeof f.description === 'string' ? f.description : undefined,
      parameters: isRecord(f.parameters) ? f.parameters : { type: 'object', properties: {} },
    };
  });
}

function parseToolChoice(raw: unknown): ToolChoice {
  if (raw === 'auto' || raw === 'none' || raw === 'required') return raw;
  if (isRecord(raw) && raw.type === 'function' && isRecord(raw.function) && typeof raw.function.name === 'string') return { name: raw.function.name };
  throw bad("'tool_choice' must be 'auto', 'none', 'required' or {type: 'function', function: {name}}.", 'tool_choice');
}

/** A JSON number as JSON.stringify writes it (null for NaN and the infinities). */
const jsonNumber = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/**
 * A chat.completion response body as JSON text, written directly: the text JSON.stringify gives for the
 * OpenAI object (id, object, created, model, choices[0] with message, finish_reason and logprobs, usage with
 * prompt_tokens_details), without building the object first (fastify's JSON.stringify of it cost ~2 µs a
 * response). Send it with an application/json content type.
 */
export function chatCompletionJson(meta: InvocationMeta, result: ChatResult, created: number): string {
  const hasTools = result.toolCalls.length > 0;
  const content = hasTools && result.text === '' ? 'null' : jsonString(result.text);
  const toolCalls = hasTools
    ? `,"tool_calls":${JSON.stringify(result.toolCalls.map((tc) => ({ id: tc.id, type: 'function', function: { name: tc.name, arguments: tc.arguments } })))}`
    : '';
  return (
    `{"id":${jsonString(`chatcmpl-${meta.invocationId}`)},"object":"chat.completion","created":${jsonNumber(created)},"model":${jsonString(meta.model)}` +
    `,"choices":[{"index":0,"message":{"role":"assistant","content":${content},"refusal":null${toolCalls}},"finish_reason":${jsonString(result.finishReason)},"logprobs":null}]` +
    `,"usage":${usageJson(result.usage)}}`
  );
}

/** OpenAI's usage object as JSON text */
function usageJson(u: ChatResult['usage']): string {
  return (
    `{"prompt_tokens":${jsonNumber(u.inputTokens)},"completion_tokens":${jsonNumber(u.outputTokens)},"total_tokens":${jsonNumber(u.inputTokens + u.outputTokens)}` +
    `,"prompt_tokens_details":{"cached_tokens":${jsonNumber(u.cacheReadTokens)}}}`
  );
}

/** the content type fastify gives a JSON object it serialises, for bodies written as JSON text */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Serialises stream chunks as chat.completion.chunk SSE events. */
export class ChunkEncoder {
  readonly #prefix: string;
  #roleSent = false;
  constructor(meta: InvocationMeta, created: number, readonly includeUsage: boolean) {
    this.#prefix = `{"id":"chatcmpl-${meta.invocationId}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(meta.model)},"choices":`;
  }

  /** SSE text for one chunk (may be several events). */
  encode(chunk: ChatChunk): string {
    let delta: Record<string, unknown>;
    if (chunk.type === 'text') delta = { content: chunk.text };
    else if (chunk.type === 'tool_call') {
      const tc: Record<string, unknown> = { index: chunk.index };
      if (chunk.id) {
        tc.id = chunk.id;
        tc.type = 'function';
      }
      tc.function = chunk.name ? { name: chunk.name, arguments: chunk.argumentsDelta } : { arguments: chunk.argumentsDelta };
      delta = { tool_calls: [tc] };
    } else {
      let out = `data: ${this.#prefix}[{"index":0,"delta":{},"finish_reason":${JSON.stringify(chunk.finishReason)}}]}\n\n`;
      if (this.includeUsage) out += `data: ${this.#prefix}[],"usage":${usageJson(chunk.usage)}}\n\n`;
      return out;
    }
    if (!this.#roleSent) {
      delta = { role: 'assistant', ...delta };
      this.#roleSent = true;
    }
    return `data: ${this.#prefix}[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":null}]}\n\n`;
  }

  done(): string {
    return 'data: [DONE]\n\n';
  }

  /** An error after the stream started: the OpenAI SDK raises it as an APIError. */
  error(err: StrataError): string {
    return `data: ${JSON.stringify(openAIErrorBody(err))}\n\n`;
  }
}
