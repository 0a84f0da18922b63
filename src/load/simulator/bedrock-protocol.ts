import { createHash, randomUUID } from 'node:crypto';
import { isRecord, countTokens } from '../../core/index.js';
import { buildAnswer, chunkText, type SimulatedAnswer, type SimulatedTool } from './answer.js';
import { pause, type SimulatorBehavior } from './behavior.js';
import { pseudoEmbedding } from './embedding.js';
import { awsErrorResponse, converseResponseBody, encodeEvent, encodeException } from '../../providers/bedrock/index.js';
import type { Exchange } from './exchange.js';
import type { SimulatedErrorType } from './settings.js';

export const BEDROCK_MESSAGE: Record<string, string> = {
  ThrottlingException: 'Too many requests, please wait before trying again.',
  ServiceUnavailableException: 'The service is temporarily unavailable. Try again later.',
  ModelNotReadyException: 'The model is not ready to serve inference requests. Try again later.',
  ModelTimeoutException: 'The model timed out while processing the request.',
  ModelErrorException: 'The model returned an error while processing the request.',
  InternalServerException: 'The server encountered an internal error.',
  ValidationException: 'The request failed validation (injected by the simulator).',
  AccessDeniedException: 'You do not have access to the model with the specified model ID.',
  ResourceNotFoundException: 'The provided model identifier is invalid.',
  ServiceQuotaExceededException: 'Your request exceeds the service quota for your account.',
};

const ROUTE = /^\/model\/(.+)\/(converse|converse-stream|invoke)$/;

class RequestInvalid extends Error {}

interface ConverseParsed {
  lastUserText: string;
  inputTokens: number;
  cacheKey: string | undefined;
  cachedTokens: number;
  tools: SimulatedTool[];
  maxTokens: number | undefined;
  stop: string[] | undefined;
}

/** Serves the Bedrock Runtime routes; returns false when the path is not one of them. */
export async function handleBedrock(ex: Exchange, behavior: SimulatorBehavior): Promise<boolean> {
  const m = ROUTE.exec(ex.path);
  if (m === null) return false;
  let modelId: string;
  try {
    modelId = decodeURIComponent(m[1]!);
  } catch {
    sendError(ex, 'ValidationException', 'The model identifier is not valid URL encoding.');
    return true;
  }
  if (ex.method !== 'POST') {
    sendError(ex, 'ValidationException', `Use POST for /model/{modelId}/${m[2]!}.`);
    return true;
  }
  const started = Date.now();
  let body: unknown;
  try {
    body = JSON.parse((await ex.body()).toString('utf8'));
  } catch {
    behavior.recordRejected(modelId);
    sendError(ex, 'ValidationException', 'Malformed input request: the body is not valid JSON.');
    return true;
  }
  if (m[2] === 'invoke') {
    await invokeEmbedding(ex, behavior, modelId, body);
    return true;
  }
  let parsed: ConverseParsed;
  try {
    parsed = parseConverse(body, modelId);
  } catch (e) {
    if (!(e instanceof RequestInvalid)) throw e;
    behavior.recordRejected(modelId);
    sendError(ex, 'ValidationException', e.message);
    return true;
  }
  const answer = buildAnswer(behavior.answer(), parsed.lastUserText, parsed.tools, parsed.maxTokens, parsed.stop);
  const verdict = behavior.decide(modelId, parsed.inputTokens + answer.outputTokens);
  await pause(behavior.sampleLatencyMs(), ex.signal);
  if (ex.signal.aborted) return true;
  const stream = m[2] === 'converse-stream';
  if (verdict.kind === 'throttle') {
    sendError(ex, 'ThrottlingException', `Too many requests (${verdict.reason} quota of the simulator), please wait before trying again.`, {
      'retry-after': String(Math.ceil(verdict.retryAfterMs / 1000)),
    });
    return true;
  }
  if (verdict.kind === 'fail') {
    if (verdict.type === 'MidStreamException' && stream) {
      await streamAnswer(ex, behavior, parsed, answer, started, true);
      return true;
    }
    await failWith(ex, verdict.type);
    return true;
  }
  if (stream) await streamAnswer(ex, behavior, parsed, answer, started, false);
  else ex.json(200, converseOutput(behavior, parsed, answer, started), { 'x-amzn-requestid': randomUUID() });
  return true;
}

/** Answers with an injected failure; Hang waits for the client (or the simulator) to give up. */
export async function failWith(ex: Exchange, type: SimulatedErrorType): Promise<void> {
  if (await ex.transportFailure(type)) return;
  const name = type === 'MidStreamException' ? 'ModelErrorException' : type;
  sendError(ex, name, BEDROCK_MESSAGE[name] ?? 'Injected failure.');
}

/** A real AWS restJson1 error: status, x-amzn-errortype and a {message} body. */
export function sendError(ex: Exchange, name: string, message: string, headers: Record<string, string> = {}): void {
  const res = awsErrorResponse(name, message, randomUUID());
  if (name === 'ModelErrorException') res.body.originalStatusCode = 500;
  ex.json(res.status, res.body, { ...res.headers, ...headers });
}

function usageOf(behavior: SimulatorBehavior, p: ConverseParsed, a: SimulatedAnswer): Record<string, number> {
  const usage: Record<string, number> = { inputTokens: p.inputTokens, outputTokens: a.outputTokens };
  if (p.cacheKey !== undefined && p.cachedTokens > 0) {
    // Bedrock reports cached prompt tokens apart from inputTokens.
    usage.inputTokens = p.inputTokens - p.cachedTokens;
    if (behavior.cacheHit(p.cacheKey)) usage.cacheReadInputTokens = p.cachedTokens;
    else usage.cacheWriteInputTokens = p.cachedTokens;
  }
  usage.totalTokens = p.inputTokens + a.outputTokens;
  return usage;
}

function converseOutput(behavior: SimulatorBehavior, p: ConverseParsed, a: SimulatedAnswer, started: number): unknown {
  const content =
    a.kind === 'tool' ? [{ toolUse: { toolUseId: toolUseId(), name: a.name, input: a.input } }] : [{ text: a.text }];
  return converseResponseBody(content, a.kind === 'tool' ? 'tool_use' : a.stop, usageOf(behavior, p, a), Date.now() - started);
}

async function streamAnswer(
  ex: Exchange,
  behavior: SimulatorBehavior,
  p: ConverseParsed,
  a: SimulatedAnswer,
  started: number,
  breakMidway: boolean,
): Promise<void> {
  ex.start(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomUUID() });
  ex.write(encodeEvent('messageStart', { role: 'assistant' }));
  const delay = behavior.streamChunkDelayMs();
  let deltas: unknown[];
  if (a.kind === 'tool') {
    ex.write(encodeEvent('contentBlockStart', { start: { toolUse: { toolUseId: toolUseId(), name: a.name } }, contentBlockIndex: 0 }));
    const json = JSON.stringify(a.input);
    const half = Math.ceil(json.length / 2);
    deltas = [json.slice(0, half), json.slice(half)].filter((s) => s !== '').map((input) => ({ toolUse: { input } }));
  } else {
    deltas = chunkText(a.text, behavior.streamChunkTokens()).map((text) => ({ text }));
  }
  // A broken stream sends about half of its deltas (at least one) before the exception.
  const sendCount = breakMidway ? Math.max(1, Math.floor(deltas.length / 2)) : deltas.length;
  for (let i = 0; i < sendCount && i < deltas.length; i++) {
    if (i > 0) await pause(delay, ex.signal);
    if (ex.signal.aborted) return;
    ex.write(encodeEvent('contentBlockDelta', { delta: deltas[i], contentBlockIndex: 0 }));
  }
  if (breakMidway) {
    ex.end(
      encodeException('modelStreamErrorException', {
        message: 'The model stream failed while generating (injected by the simulator).',
        originalStatusCode: 500,
      }),
    );
    return;
  }
  ex.write(encodeEvent('contentBlockStop', { contentBlockIndex: 0 }));
  ex.write(encodeEvent('messageStop', { stopReason: a.kind === 'tool' ? 'tool_use' : a.stop }));
  ex.end(encodeEvent('metadata', { usage: usageOf(behavior, p, a), metrics: { latencyMs: Date.now() - started } }));
}

function toolUseId(): string {
  return `tooluse_${randomUUID().replace(/-/g, '').slice(0, 22)}`;
}


/** Token count of one content block (text, toolUse input, toolResult content). */
function blockTokens(b: Record<string, unknown>, where: string): number {
  if (typeof b.text === 'string') {
    if (b.text.trim() === '') throw new RequestInvalid(`The text field in the ContentBlock object at ${where} is blank. Add text to the text field, and try again.`);
    return countTokens(b.text);
  }
  if (isRecord(b.toolUse)) return countTokens(JSON.stringify(b.toolUse.input ?? {})) + countTokens(typeof b.toolUse.name === 'string' ? b.toolUse.name : '');
  if (isRecord(b.toolResult)) {
    let n = 0;
    const content = Array.isArray(b.toolResult.content) ? b.toolResult.content : [];
    for (const c of content) {
      if (!isRecord(c)) continue;
      if (typeof c.text === 'string') n += countTokens(c.text);
      else if (c.json !== undefined) n += countTokens(JSON.stringify(c.json));
    }
    return n;
  }
  return 0;
}

function textOf(blocks: unknown[]): string {
  const texts: string[] = [];
  for (const b of blocks) {
    if (isRecord(b) && typeof b.text === 'string') texts.push(b.text);
  }
  if (texts.length > 0) return texts.join('\n');
  // A turn that only returns tool results: echo what the tools said.
  for (const b of blocks) {
    if (!isRecord(b) || !isRecord(b.toolResult) || !Array.isArray(b.toolResult.content)) continue;
    for (const c of b.toolResult.content) {
      if (isRecord(c) && typeof c.text === 'string') texts.push(c.text);
      else if (isRecord(c) && c.json !== undefined) texts.push(JSON.stringify(c.json));
    }
  }
  return texts.join('\n');
}

/** Light, allocation-cheap validation of a Converse request, enforcing the rules Bedrock enforces. */
function parseConverse(body: unknown, modelId: string): ConverseParsed {
  if (!isRecord(body)) throw new RequestInvalid('Malformed input request: expected a JSON object.');
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new RequestInvalid('The messages field is required and must contain at least one message.');
  }
  let inputTokens = 0;
  let cachedTokens = 0;
  let cachePrefix: unknown[] | undefined;
  const seen: unknown[] = [];
  const system = body.system;
  if (system !== undefined) {
    if (!Array.isArray(system)) throw new RequestInvalid('The system field must be a list of content blocks.');
    system.forEach((b, i) => {
      if (!isRecord(b)) throw new RequestInvalid(`system.${i} must be an object.`);
      if (b.cachePoint !== undefined) {
        cachedTokens = inputTokens;
        cachePrefix = seen.slice();
        return;
      }
      inputTokens += blockTokens(b, `system.${i}`);
      seen.push(b);
    });
  }
  let lastUserText = '';
  let prevRole = '';
  messages.forEach((msg, i) => {
    if (!isRecord(msg) || (msg.role !== 'user' && msg.role !== 'assistant')) {
      throw new RequestInvalid(`messages.${i}.role must be "user" or "assistant".`);
    }
    if (i === 0 && msg.role !== 'user') throw new RequestInvalid('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
    if (msg.role === prevRole) throw new RequestInvalid('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
    prevRole = msg.role;
    if (!Array.isArray(msg.content) || msg.content.length === 0) throw new RequestInvalid(`messages.${i}.content must be a non-empty list of content blocks.`);
    msg.content.forEach((b, j) => {
      if (!isRecord(b)) throw new RequestInvalid(`messages.${i}.content.${j} must be an object.`);
      if (b.cachePoint !== undefined) {
        cachedTokens = inputTokens;
        cachePrefix = seen.slice();
        return;
      }
      inputTokens += blockTokens(b, `messages.${i}.content.${j}`);
      seen.push(b);
    });
    if (msg.role === 'user') lastUserText = textOf(msg.content);
  });
  const tools: SimulatedTool[] = [];
  const toolConfig = body.toolConfig;
  if (isRecord(toolConfig) && Array.isArray(toolConfig.tools)) {
    for (const t of toolConfig.tools) {
      const spec = isRecord(t) && isRecord(t.toolSpec) ? t.toolSpec : undefined;
      if (spec === undefined || typeof spec.name !== 'string') continue;
      tools.push({ name: spec.name, schema: isRecord(spec.inputSchema) ? spec.inputSchema.json : undefined });
      inputTokens += countTokens(JSON.stringify(spec));
    }
  }
  const cfg = isRecord(body.inferenceConfig) ? body.inferenceConfig : {};
  const maxTokens = typeof cfg.maxTokens === 'number' ? cfg.maxTokens : undefined;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw new RequestInvalid('inferenceConfig.maxTokens must be an integer of at least 1.');
  }
  const stop = Array.isArray(cfg.stopSequences) ? cfg.stopSequences.filter((s): s is string => typeof s === 'string') : undefined;
  const cacheKey =
    cachePrefix === undefined
      ? undefined
      : createHash('sha256').update(modelId).update('\0').update(JSON.stringify(cachePrefix)).digest('hex');
  return { lastUserText, inputTokens, cacheKey, cachedTokens, tools, maxTokens, stop };
}

/** Titan Text Embeddings v2 through InvokeModel: {inputText, dimensions?, normalize?}. */
/** The simulator's verdict on one InvokeModel call (quota, injected failure, latency); false when it answered with an error. */
export async function admitInvoke(ex: Exchange, behavior: SimulatorBehavior, modelId: string, tokens: number): Promise<boolean> {
  const verdict = behavior.decide(modelId, tokens);
  await pause(behavior.sampleLatencyMs(), ex.signal);
  if (ex.signal.aborted) return false;
  if (verdict.kind === 'throttle') {
    sendError(ex, 'ThrottlingException', BEDROCK_MESSAGE.ThrottlingException!, { 'retry-after': String(Math.ceil(verdict.retryAfterMs / 1000)) });
    return false;
  }
  if (verdict.kind === 'fail') {
    await failWith(ex, verdict.type);
    return false;
  }
  return true;
}

const COHERE_INPUT_TYPES = new Set(['search_document', 'search_query', 'classification', 'clustering']);

/** Cohere Embed's InvokeModel body: up to 96 texts, an input_type, floats (v4 also takes output_dimension). */
async function invokeCohereEmbedding(ex: Exchange, behavior: SimulatorBehavior, modelId: string, body: Record<string, unknown>): Promise<void> {
  const texts = body.texts;
  const reject = (message: string): void => {
    behavior.recordRejected(modelId);
    sendError(ex, 'ValidationException', `Malformed input request: ${message}`);
  };
  if (!Array.isArray(texts) || texts.length === 0 || texts.length > 96 || !texts.every((t) => typeof t === 'string' && t !== '')) {
    reject('texts must be a list of 1 to 96 non-empty strings.');
    return;
  }
  if (typeof body.input_type !== 'string' || !COHERE_INPUT_TYPES.has(body.input_type)) {
    reject('input_type must be one of search_document, search_query, classification, clustering.');
    return;
  }
  const v4 = modelId.includes('embed-v4');
  const dims = v4 ? (body.output_dimension ?? 1536) : 1024;
  if (v4 && dims !== 256 && dims !== 512 && dims !== 1024 && dims !== 1536) {
    reject('output_dimension must be 256, 512, 1024 or 1536.');
    return;
  }
  const tokens = (texts as string[]).reduce((n, t) => n + countTokens(t), 0);
  if (!(await admitInvoke(ex, behavior, modelId, tokens))) return;
  // the input type is part of what is embedded, as Cohere embeds queries and documents asymmetrically
  const float = (texts as string[]).map((t) => pseudoEmbedding(`${String(body.input_type)}\n${t}`, dims as number));
  const embeddings = Array.isArray(body.embedding_types) ? { float } : float;
  ex.json(200, { id: randomUUID(), texts, embeddings, response_type: Array.isArray(body.embedding_types) ? 'embeddings_by_type' : 'embeddings_floats' }, { 'x-amzn-requestid': randomUUID() });
}

async function invokeEmbedding(ex: Exchange, behavior: SimulatorBehavior, modelId: string, body: unknown): Promise<void> {
  if (isRecord(body) && /(^|\.)cohere\.embed-/.test(modelId)) {
    await invokeCohereEmbedding(ex, behavior, modelId, body);
    return;
  }
  if (!isRecord(body) || typeof body.inputText !== 'string' || body.inputText === '') {
    behavior.recordRejected(modelId);
    sendError(ex, 'ValidationException', 'Malformed input request: inputText is required and must be a non-empty string.');
    return;
  }
  const dims = body.dimensions ?? 1024;
  if (dims !== 256 && dims !== 512 && dims !== 1024) {
    behavior.recordRejected(modelId);
    sendError(ex, 'ValidationException', 'Malformed input request: dimensions must be 256, 512 or 1024.');
    return;
  }
  const tokens = countTokens(body.inputText);
  if (!(await admitInvoke(ex, behavior, modelId, tokens))) return;
  const embedding = pseudoEmbedding(body.inputText, dims);
  ex.json(200, { embedding, inputTextTokenCount: tokens }, { 'x-amzn-requestid': randomUUID() });
}
