import { randomUUID } from 'node:crypto';
import type { StopReason } from '@aws-sdk/client-bedrock-runtime';
import { isRecord, StrataError, toStrataError, type ChatChunk, type ChatMessage, type ChatParams, type ChatResult, type StrataErrorCode, type ToolCall, type ToolChoice, type ToolSpec } from '../core/index.js';
import type { InvocationMeta } from '../gateway/index.js';
import { converseResponseBody, encodeEvent, encodeException, toStopReason, toTokenUsage } from '../providers/bedrock/index.js';
import { strataHeaders } from './request-common.js';

/** A Converse / ConverseStream request body in our vocabulary. */
export interface ParsedConverseBody {
  messages: ChatMessage[];
  params: ChatParams;
}

function bad(message: string): StrataError {
  return new StrataError('invalid_request', message);
}


/**
 * Fields Strata cannot honour: silently dropping them would change what the caller asked for
 * (skip a guardrail, lose model-specific parameters), so they are refused with a reason.
 */
const REFUSED_FIELDS: Record<string, string> = {
  guardrailConfig: 'guardrailConfig is not supported by Strata: configure guardrails in strata.yaml instead.',
  additionalModelRequestFields: 'additionalModelRequestFields is not supported by Strata: Strata routes across models and passes only the common inferenceConfig.',
  promptVariables: 'promptVariables is not supported by Strata: Bedrock prompt management resources cannot be served here.',
};

/** Validates a Converse request body by hand (one precise ValidationException message per problem). */
export function parseConverseBody(body: unknown): ParsedConverseBody {
  if (!isRecord(body)) throw bad('The request body must be a JSON object with a messages field.');
  for (const [field, why] of Object.entries(REFUSED_FIELDS)) {
    if (body[field] !== undefined && body[field] !== null) throw bad(why);
  }
  const messages: ChatMessage[] = [];
  if (body.system !== undefined) {
    if (!Array.isArray(body.system)) throw bad('system must be a list of content blocks like [{"text": "..."}].');
    body.system.forEach((b: unknown, i: number) => {
      if (!isRecord(b)) throw bad(`system.${i} must be a content block object.`);
      if (b.cachePoint !== undefined) return;
      if (typeof b.text !== 'string') throw bad(`system.${i}: Strata supports text system blocks only (got ${blockKind(b)}).`);
      if (b.text.trim() !== '') messages.push({ role: 'system', content: b.text });
    });
  }
  const raw = body.messages;
  if (!Array.isArray(raw) || raw.length === 0) throw bad('The messages field is required and must contain at least one message.');
  raw.forEach((m: unknown, i: number) => messages.push(...parseTurn(m, i)));
  const params = parseInferenceConfig(body.inferenceConfig);
  if (body.toolConfig !== undefined && body.toolConfig !== null) parseToolConfig(body.toolConfig, params);
  return { messages, params };
}

function blockKind(b: Record<string, unknown>): string {
  const keys = Object.keys(b);
  return keys.length === 0 ? 'an empty block' : `'${keys[0]!}'`;
}

/** One Converse turn → our messages: tool results become tool messages ahead of the turn's text. */
function parseTurn(m: unknown, i: number): ChatMessage[] {
  const at = `messages.${i}`;
  if (!isRecord(m) || (m.role !== 'user' && m.role !== 'assistant')) throw bad(`${at}.role must be "user" or "assistant".`);
  if (i === 0 && m.role !== 'user') throw bad('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  if (!Array.isArray(m.content) || m.content.length === 0) throw bad(`${at}.content must be a non-empty list of content blocks.`);
  const role = m.role;
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  const results: ChatMessage[] = [];
  m.content.forEach((b: unknown, j: number) => {
    const where = `${at}.content.${j}`;
    if (!isRecord(b)) throw bad(`${where} must be a content block object.`);
    if (b.cachePoint !== undefined) return;
    if (typeof b.text === 'string') {
      if (b.text.trim() === '') throw bad(`The text field in the ContentBlock object at ${where} is blank. Add text to the text field, and try again.`);
      texts.push(b.text);
    } else if (isRecord(b.toolUse)) {
      if (role !== 'assistant') throw bad(`${where}: toolUse blocks belong in assistant messages.`);
      toolCalls.push(parseToolUse(b.toolUse, where));
    } else if (isRecord(b.toolResult)) {
      if (role !== 'user') throw bad(`${where}: toolResult blocks belong in user messages.`);
      results.push(parseToolResult(b.toolResult, where));
    } else {
      throw bad(`${where}: Strata supports text, toolUse and toolResult content blocks (got ${blockKind(b)}).`);
    }
  });
  const text = texts.join('\n');
  if (role === 'assistant') {
    const msg: ChatMessage = { role, content: text };
    if (toolCalls.length > 0) msg.toolCalls = toolCalls;
    return [msg];
  }
  if (text !== '') results.push({ role, content: text });
  return results;
}

function parseToolUse(t: Record<string, unknown>, where: string): ToolCall {
  if (typeof t.toolUseId !== 'string' || t.toolUseId === '' || typeof t.name !== 'string' || t.name === '') {
    throw bad(`${where}.toolUse needs a toolUseId and a name.`);
  }
  return { id: t.toolUseId, name: t.name, arguments: JSON.stringify(t.input ?? {}) };
}

function parseToolResult(r: Record<string, unknown>, where: string): ChatMessage {
  if (typeof r.toolUseId !== 'string' || r.toolUseId === '') throw bad(`${where}.toolResult needs the toolUseId of the toolUse it answers.`);
  if (!Array.isArray(r.content)) throw bad(`${where}.toolResult.content must be a list of {"text"} or {"json"} blocks.`);
  const parts = r.content.map((c: unknown, k: number) => {
    if (isRecord(c) && typeof c.text === 'string') return c.text;
    if (isRecord(c) && c.json !== undefined) return JSON.stringify(c.json);
    throw bad(`${where}.toolResult.content.${k}: Strata supports text and json tool results.`);
  });
  // Our messages carry no error flag, so a failed tool says so in its content, where the model reads it.
  const content = parts.join('\n');
  return { role: 'tool', toolCallId: r.toolUseId, content: r.status === 'error' ? `(tool error) ${content}` : content };
}

function parseInferenceConfig(raw: unknown): ChatParams {
  const params: ChatParams = {};
  if (raw === undefined || raw === null) return params;
  if (!isRecord(raw)) throw bad('inferenceConfig must be an object.');
  const { maxTokens, temperature, topP, stopSequences } = raw;
  if (maxTokens !== undefined) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) throw bad('inferenceConfig.maxTokens must be an integer of at least 1.');
    params.maxTokens = maxTokens;
  }
  if (temperature !== undefined) params.temperature = unitNumber(temperature, 'temperature');
  if (topP !== undefined) params.topP = unitNumber(topP, 'topP');
  if (stopSequences !== undefined) {
    if (!Array.isArray(stopSequences) || !stopSequences.every((s) => typeof s === 'string' && s !== '')) {
      throw bad('inferenceConfig.stopSequences must be a list of non-empty strings.');
    }
    if (stopSequences.length > 0) params.stop = stopSequences as string[];
  }
  return params;
}

function unitNumber(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw bad(`inferenceConfig.${name} must be a number between 0 and 1.`);
  return v;
}

function parseToolConfig(raw: unknown, params: ChatParams): void {
  if (!isRecord(raw) || !Array.isArray(raw.tools) || raw.tools.length === 0) throw bad('toolConfig.tools must be a non-empty list of {"toolSpec": {...}}.');
  const tools: ToolSpec[] = [];
  raw.tools.forEach((t: unknown, i: number) => {
    if (isRecord(t) && t.cachePoint !== undefined) return;
    const spec = isRecord(t) ? t.toolSpec : undefined;
    if (!isRecord(spec) || typeof spec.name !== 'string' || spec.name === '') throw bad(`toolConfig.tools.${i} must be {"toolSpec": {"name", "description"?, "inputSchema": {"json"}}}.`);
    const schema = isRecord(spec.inputSchema) ? spec.inputSchema.json : undefined;
    if (!isRecord(schema)) throw bad(`toolConfig.tools.${i}.toolSpec.inputSchema.json must be a JSON Schema object.`);
    tools.push({ name: spec.name, description: typeof spec.description === 'string' ? spec.description : undefined, parameters: schema });
  });
  params.tools = tools;
  if (raw.toolChoice !== undefined && raw.toolChoice !== null) params.toolChoice = parseToolChoice(raw.toolChoice);
}

function parseToolChoice(c: unknown): ToolChoice {
  if (isRecord(c)) {
    if (isRecord(c.auto)) return 'auto';
    if (isRecord(c.any)) return 'required';
    if (isRecord(c.tool) && typeof c.tool.name === 'string') return { name: c.tool.name };
  }
  throw bad('toolConfig.toolChoice must be {"auto": {}}, {"any": {}} or {"tool": {"name": "..."}}.');
}

/** A tool call's arguments as the JSON document Converse carries (the raw text if it is not JSON). */
function toolInput(call: ToolCall): unknown {
  if (call.arguments.trim() === '') return {};
  try {
    return JSON.parse(call.arguments);
  } catch {
    return call.arguments;
  }
}

/** The Converse stop reason: a block by the route's guardrail policy is `guardrail_intervened`, as with Bedrock's own. */
function stopReasonOf(finishReason: ChatResult['finishReason'], meta: InvocationMeta | undefined): StopReason {
  return finishReason === 'content_filter' && meta?.guardrail?.blocked !== undefined ? 'guardrail_intervened' : toStopReason(finishReason);
}

/** A Converse response body for a finished chat result. */
export function converseBody(result: ChatResult, latencyMs: number, meta?: InvocationMeta) {
  const content: unknown[] = [];
  if (result.text !== '' || result.toolCalls.length === 0) content.push({ text: result.text });
  for (const call of result.toolCalls) content.push({ toolUse: { toolUseId: call.id, name: call.name, input: toolInput(call) } });
  return converseResponseBody(content, stopReasonOf(result.finishReason, meta), toTokenUsage(result.usage), latencyMs);
}

/** The x-strata-* response headers, plus the request id the AWS SDK reports in $metadata. */
export function bedrockResponseHeaders(meta: InvocationMeta): Record<string, string> {
  return { 'x-amzn-requestid': meta.invocationId, ...strataHeaders(meta) };
}

const EXCEPTION_BY_CODE: Partial<Record<StrataErrorCode, string>> = {
  invalid_request: 'ValidationException',
  invalid_json: 'ValidationException',
  upstream_invalid_request: 'ValidationException',
  payload_too_large: 'ValidationException',
  guardrail_blocked: 'ValidationException',
  model_not_found: 'ResourceNotFoundException',
  not_found: 'ResourceNotFoundException',
  upstream_throttled: 'ThrottlingException',
  rate_limited: 'ThrottlingException',
  budget_exceeded: 'ThrottlingException',
  upstream_quota_exceeded: 'ThrottlingException',
  upstream_unavailable: 'ServiceUnavailableException',
  circuit_open: 'ServiceUnavailableException',
  upstream_timeout: 'ModelTimeoutException',
  deadline_exceeded: 'ModelTimeoutException',
  upstream_model_error: 'ModelErrorException',
  upstream_stream_error: 'ModelStreamErrorException',
  // a missing or unknown key is an unrecognised client; a known key without the right is a denial
  unauthorized: 'UnrecognizedClientException',
  forbidden: 'AccessDeniedException',
};

/** The Bedrock exception a StrataError is answered with (its HTTP status follows from the name). */
export function bedrockExceptionName(err: StrataError): string {
  return EXCEPTION_BY_CODE[err.code] ?? 'InternalServerException';
}

/** Exception members of the ConverseStream output union; anything else travels as a model stream error. */
const STREAM_MEMBERS: Record<string, string> = {
  ThrottlingException: 'throttlingException',
  ServiceUnavailableException: 'serviceUnavailableException',
  ValidationException: 'validationException',
  InternalServerException: 'internalServerException',
};

/** Turns our stream chunks into ConverseStream event frames (blocks numbered across text and tools). */
export class ConverseStreamEncoder {
  #block = -1;
  #open: 'text' | 'tool' | undefined;
  readonly #blockOfTool = new Map<number, number>();
  /** `meta` is read when the stream finishes: a guardrail's verdict on a streamed answer comes at its end */
  constructor(
    readonly startedAt: number,
    readonly meta?: InvocationMeta,
  ) {}

  /** The frame that opens every ConverseStream response. */
  start(): Uint8Array {
    return encodeEvent('messageStart', { role: 'assistant' });
  }

  /** Frames for one chunk, in order. */
  encode(chunk: ChatChunk): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (chunk.type === 'text') {
      if (chunk.text === '') return out;
      if (this.#open !== 'text') this.#openBlock('text', out);
      out.push(encodeEvent('contentBlockDelta', { delta: { text: chunk.text }, contentBlockIndex: this.#block }));
      return out;
    }
    if (chunk.type === 'tool_call') {
      let block = this.#blockOfTool.get(chunk.index);
      if (block === undefined) {
        block = this.#openBlock('tool', out);
        this.#blockOfTool.set(chunk.index, block);
        const toolUseId = chunk.id ?? `tooluse_${randomUUID().replace(/-/g, '').slice(0, 22)}`;
        out.push(encodeEvent('contentBlockStart', { start: { toolUse: { toolUseId, name: chunk.name ?? '' } }, contentBlockIndex: block }));
      }
      if (chunk.argumentsDelta !== '') out.push(encodeEvent('contentBlockDelta', { delta: { toolUse: { input: chunk.argumentsDelta } }, contentBlockIndex: block }));
      return out;
    }
    this.#closeBlock(out);
    out.push(encodeEvent('messageStop', { stopReason: stopReasonOf(chunk.finishReason, this.meta) }));
    out.push(encodeEvent('metadata', { usage: toTokenUsage(chunk.usage), metrics: { latencyMs: Date.now() - this.startedAt } }));
    return out;
  }

  /** The exception frame that ends a stream which failed after it started; the SDK throws it from the iterator. */
  error(err: StrataError): Uint8Array {
    const member = STREAM_MEMBERS[bedrockExceptionName(err)];
    if (member !== undefined) return encodeException(member, { message: err.message });
    return encodeException('modelStreamErrorException', { message: err.message, originalStatusCode: err.status, originalMessage: err.code });
  }

  #openBlock(kind: 'text' | 'tool', out: Uint8Array[]): number {
    this.#closeBlock(out);
    this.#block++;
    this.#open = kind;
    return this.#block;
  }

  #closeBlock(out: Uint8Array[]): void {
    if (this.#open === undefined) return;
    out.push(encodeEvent('contentBlockStop', { contentBlockIndex: this.#block }));
    this.#open = undefined;
  }
}

/**
 * The whole ConverseStream body for a gateway stream. A failure after the first token (nothing is
 * retried then) ends the body with an exception frame, which the SDK throws from its iterator.
 */
export async function* converseStreamFrames(chunks: AsyncIterable<ChatChunk>, startedAt: number, meta?: InvocationMeta): AsyncGenerator<Uint8Array> {
  const enc = new ConverseStreamEncoder(startedAt, meta);
  yield enc.start();
  try {
    for await (const chunk of chunks) yield* enc.encode(chunk);
  } catch (e) {
    yield enc.error(toStrataError(e));
  }
}
