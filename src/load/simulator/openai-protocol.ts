import { randomUUID } from 'node:crypto';
import { isRecord, countTokens } from '../../core/index.js';
import { buildAnswer, chunkText, type SimulatedAnswer, type SimulatedTool } from './answer.js';
import { pause, type SimulatorBehavior } from './behavior.js';
import { pseudoEmbedding } from './embedding.js';
import type { Exchange } from './exchange.js';
import type { SimulatedErrorType } from './settings.js';

/**
 * Error types as an OpenAI-compatible server reports them. Status choices:
 *   ThrottlingException, ServiceQuotaExceededException → 429 (+ retry-after)
 *   ServiceUnavailableException, ModelNotReadyException → 503
 *   InternalServerException, ModelErrorException (and non-stream MidStreamException) → 500
 *   ModelTimeoutException → 408 (OpenAI SDKs treat it as retryable)
 *   ValidationException → 400, AccessDeniedException → 403, ResourceNotFoundException → 404
 */
const OPENAI_ERRORS: Record<string, { status: number; type: string; code: string; message: string }> = {
  ThrottlingException: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' },
  ServiceQuotaExceededException: { status: 429, type: 'insufficient_quota', code: 'insufficient_quota', message: 'You exceeded your current quota.' },
  ServiceUnavailableException: { status: 503, type: 'server_error', code: 'service_unavailable', message: 'The server is temporarily unavailable. Try again later.' },
  ModelNotReadyException: { status: 503, type: 'server_error', code: 'model_not_ready', message: 'The model is loading. Try again later.' },
  InternalServerException: { status: 500, type: 'server_error', code: 'internal_error', message: 'The server had an error while processing your request.' },
  ModelErrorException: { status: 500, type: 'server_error', code: 'model_error', message: 'The model failed while generating a response.' },
  ModelTimeoutException: { status: 408, type: 'timeout_error', code: 'model_timeout', message: 'The model timed out while processing the request.' },
  ValidationException: { status: 400, type: 'invalid_request_error', code: 'invalid_request', message: 'The request failed validation (injected by the simulator).' },
  AccessDeniedException: { status: 403, type: 'permission_error', code: 'access_denied', message: 'You do not have access to this model.' },
  ResourceNotFoundException: { status: 404, type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist.' },
};

class RequestInvalid extends Error {}

interface ChatParsed {
  model: string;
  lastUserText: string;
  inputTokens: number;
  tools: SimulatedTool[];
  maxTokens: number | undefined;
  stop: string[] | undefined;
  stream: boolean;
  includeUsage: boolean;
}

/** Serves the OpenAI-compatible routes; returns false when the path is not one of them. */
export async function handleOpenAI(ex: Exchange, behavior: SimulatorBehavior): Promise<boolean> {
  if (ex.path === '/v1/models' && ex.method === 'GET') {
    const ids = behavior.settings().onlyModels ?? behavior.modelIds();
    const created = Math.floor(Date.now() / 1000);
    ex.json(200, { object: 'list', data: (ids.length > 0 ? ids : ['sim-model']).map((id) => ({ id, object: 'model', created, owned_by: 'strata-simulator' })) });
    return true;
  }
  if (ex.path !== '/v1/chat/completions' && ex.path !== '/v1/embeddings') return false;
  if (ex.method !== 'POST') {
    sendError(ex, 405, 'invalid_request_error', 'method_not_allowed', `Use POST for ${ex.path}.`);
    return true;
  }
  let body: unknown;
  try {
    body = JSON.parse((await ex.body()).toString('utf8'));
  } catch {
    sendError(ex, 400, 'invalid_request_error', 'invalid_json', 'The request body is not valid JSON.');
    return true;
  }
  if (ex.path === '/v1/embeddings') await embeddings(ex, behavior, body);
  else await chat(ex, behavior, body);
  return true;
}

function sendError(ex: Exchange, status: number, type: string, code: string, message: string, headers: Record<string, string> = {}): void {
  ex.json(status, { error: { message, type, code, param: null } }, headers);
}

async function applyVerdict(
  ex: Exchange,
  behavior: SimulatorBehavior,
  model: string,
  tokens: number,
  stream: boolean,
): Promise<'ok' | 'midstream' | 'done'> {
  const verdict = behavior.decide(model, tokens);
  await pause(behavior.sampleLatencyMs(), ex.signal);
  if (ex.signal.aborted) return 'done';
  if (verdict.kind === 'throttle') {
    const secs = Math.ceil(verdict.retryAfterMs / 1000);
    sendError(ex, 429, 'rate_limit_error', 'rate_limit_exceeded', `Rate limit reached (${verdict.reason} quota of the simulator). Please try again in ${secs}s.`, {
      'retry-after': String(secs),
      'retry-after-ms': String(verdict.retryAfterMs),
    });
    return 'done';
  }
  if (verdict.kind === 'ok') return 'ok';
  if (verdict.type === 'MidStreamException' && stream) return 'midstream';
  await failWith(ex, verdict.type);
  return 'done';
}

async function failWith(ex: Exchange, type: SimulatedErrorType): Promise<void> {
  if (await ex.transportFailure(type)) return;
  const e = OPENAI_ERRORS[type === 'MidStreamException' ? 'ModelErrorException' : type]!;
  const headers: Record<string, string> = e.status === 429 ? { 'retry-after': '1' } : {};
  sendError(ex, e.status, e.type, e.code, e.message, headers);
}


function contentText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  const parts: string[] = [];
  for (const p of c) if (isRecord(p) && typeof p.text === 'string') parts.push(p.text);
  return parts.join('\n');
}

function parseChat(body: unknown): ChatParsed {
  if (!isRecord(body)) throw new RequestInvalid('Expected a JSON object body.');
  if (typeof body.model !== 'string' || body.model === '') throw new RequestInvalid('"model" is required.');
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw new RequestInvalid('"messages" must be a non-empty array.');
  let inputTokens = 0;
  let lastUserText = '';
  let lastToolText = '';
  for (const [i, m] of body.messages.entries()) {
    if (!isRecord(m) || typeof m.role !== 'string') throw new RequestInvalid(`messages[${i}].role is required.`);
    const text = contentText(m.content);
    inputTokens += countTokens(text);
    if (Array.isArray(m.tool_calls)) inputTokens += countTokens(JSON.stringify(m.tool_calls));
    if (m.role === 'user') {
      lastUserText = text;
      lastToolText = '';
    } else if (m.role === 'tool') {
      lastToolText = lastToolText === '' ? text : `${lastToolText}\n${text}`;
    }
  }
  const tools: SimulatedTool[] = [];
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      const fn = isRecord(t) && isRecord(t.function) ? t.function : undefined;
      if (fn === undefined || typeof fn.name !== 'string') continue;
      tools.push({ name: fn.name, schema: fn.parameters });
      inputTokens += countTokens(JSON.stringify(fn));
    }
  }
  const rawMax = body.max_completion_tokens ?? body.max_tokens;
  const maxTokens = typeof rawMax === 'number' ? rawMax : undefined;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) throw new RequestInvalid('"max_tokens" must be a positive integer.');
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop.filter((s): s is string => typeof s === 'string') : undefined;
  const opts = isRecord(body.stream_options) ? body.stream_options : {};
  return {
    model: body.model,
    // After tool results, echo what the tools returned (mirrors the Bedrock side).
    lastUserText: lastToolText !== '' ? lastToolText : lastUserText,
    inputTokens,
    tools,
    maxTokens,
    stop,
    stream: body.stream === true,
    includeUsage: opts.include_usage === true,
  };
}

const FINISH: Record<string, string> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length' };

async function chat(ex: Exchange, behavior: SimulatorBehavior, body: unknown): Promise<void> {
  let p: ChatParsed;
  try {
    p = parseChat(body);
  } catch (e) {
    if (!(e instanceof RequestInvalid)) throw e;
    if (isRecord(body) && typeof body.model === 'string') behavior.recordRejected(body.model);
    sendError(ex, 400, 'invalid_request_error', 'invalid_request', e.message);
    return;
  }
  const a = buildAnswer(behavior.answer(), p.lastUserText, p.tools, p.maxTokens, p.stop);
  const outcome = await applyVerdict(ex, behavior, p.model, p.inputTokens + a.outputTokens, p.stream);
  if (outcome === 'done') return;
  const id = `chatcmpl-${randomUUID().replace(/-/g, '')}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: p.inputTokens, completion_tokens: a.outputTokens, total_tokens: p.inputTokens + a.outputTokens };
  const finish = a.kind === 'tool' ? 'tool_calls' : (FINISH[a.stop] ?? 'stop');
  if (!p.stream) {
    const message =
      a.kind === 'tool'
        ? { role: 'assistant', content: null, tool_calls: [toolCall(a)], refusal: null }
        : { role: 'assistant', content: a.text, refusal: null };
    ex.json(200, { id, object: 'chat.completion', created, model: p.model, choices: [{ index: 0, message, finish_reason: finish, logprobs: null }], usage });
    return;
  }
  await streamChat(ex, behavior, p, a, { id, created, usage, finish, breakMidway: outcome === 'midstream' });
}

function toolCall(a: Extract<SimulatedAnswer, { kind: 'tool' }>): { id: string; type: 'function'; function: { name: string; arguments: string } } {
  return { id: `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`, type: 'function', function: { name: a.name, arguments: JSON.stringify(a.input) } };
}

async function streamChat(
  ex: Exchange,
  behavior: SimulatorBehavior,
  p: ChatParsed,
  a: SimulatedAnswer,
  o: { id: string; created: number; usage: Record<string, number>; finish: string; breakMidway: boolean },
): Promise<void> {
  const base = `{"id":"${o.id}","object":"chat.completion.chunk","created":${o.created},"model":${JSON.stringify(p.model)},`;
  const frame = (choices: unknown[], usage?: unknown): string =>
    `data: ${base}"choices":${JSON.stringify(choices)}${usage === undefined ? '' : `,"usage":${JSON.stringify(usage)}`}}\n\n`;
  ex.start(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  ex.write(frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
  let deltas: unknown[];
  if (a.kind === 'tool') {
    const call = toolCall(a);
    const args = call.function.arguments;
    const half = Math.ceil(args.length / 2);
    deltas = [
      { tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] },
      ...[args.slice(0, half), args.slice(half)].filter((s) => s !== '').map((s) => ({ tool_calls: [{ index: 0, function: { arguments: s } }] })),
    ];
  } else {
    deltas = chunkText(a.text, behavior.streamChunkTokens()).map((content) => ({ content }));
  }
  const delay = behavior.streamChunkDelayMs();
  const sendCount = o.breakMidway ? Math.max(1, Math.floor(deltas.length / 2)) : deltas.length;
  for (let i = 0; i < sendCount && i < deltas.length; i++) {
    if (i > 0) await pause(delay, ex.signal);
    if (ex.signal.aborted) return;
    ex.write(frame([{ index: 0, delta: deltas[i], finish_reason: null }]));
  }
  if (o.breakMidway) {
    // What OpenAI-compatible servers do when generation dies: an error event, then the connection drops.
    const e = OPENAI_ERRORS.ModelErrorException!;
    ex.write(`data: ${JSON.stringify({ error: { message: e.message, type: e.type, code: e.code, param: null } })}\n\n`);
    ex.breakOff();
    return;
  }
  ex.write(frame([{ index: 0, delta: {}, finish_reason: o.finish }]));
  if (p.includeUsage) ex.write(frame([], o.usage));
  ex.end('data: [DONE]\n\n');
}

async function embeddings(ex: Exchange, behavior: SimulatorBehavior, body: unknown): Promise<void> {
  const model = isRecord(body) && typeof body.model === 'string' ? body.model : '';
  const input = isRecord(body) ? body.input : undefined;
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) && input.every((s) => typeof s === 'string') ? input : undefined;
  const dims = isRecord(body) && body.dimensions !== undefined ? body.dimensions : 256;
  const format = isRecord(body) ? body.encoding_format : undefined;
  let problem: string | undefined;
  if (model === '') problem = '"model" is required.';
  else if (texts === undefined || texts.length === 0) problem = '"input" must be a string or a non-empty array of strings.';
  else if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || dims > 8192) problem = '"dimensions" must be an integer between 1 and 8192.';
  else if (format !== undefined && format !== 'float' && format !== 'base64') problem = '"encoding_format" must be "float" or "base64".';
  if (problem !== undefined || texts === undefined || typeof dims !== 'number') {
    if (model !== '') behavior.recordRejected(model);
    sendError(ex, 400, 'invalid_request_error', 'invalid_request', problem ?? 'Invalid request.');
    return;
  }
  let tokens = 0;
  for (const t of texts) tokens += countTokens(t);
  if ((await applyVerdict(ex, behavior, model, tokens, false)) !== 'ok') return;
  const data = texts.map((t, index) => {
    const v = pseudoEmbedding(t, dims);
    const embedding = format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
    return { object: 'embedding', index, embedding };
  });
  ex.json(200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}
