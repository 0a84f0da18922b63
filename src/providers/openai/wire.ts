import {
  StrataError,
  type ChatMessage,
  type ChatRequest,
  type FinishReason,
  type ToolCall,
  type ToolChoice,
  type Usage,
} from '../../core/index.js';

/** Translation between Strata's chat types and the OpenAI Chat Completions wire format. */

interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

interface WireMessage {
  role: string;
  content: string | null;
  name?: string;
  tool_calls?: WireToolCall[];
  tool_call_id?: string;
}

function toWireMessage(m: ChatMessage): WireMessage {
  if (m.role === 'tool') return { role: 'tool', content: m.content, tool_call_id: m.toolCallId ?? '' };
  const w: WireMessage = { role: m.role, content: m.content };
  if (m.name !== undefined) w.name = m.name;
  if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length > 0) {
    // OpenAI expects null content, not "", next to tool calls.
    if (m.content === '') w.content = null;
    w.tool_calls = m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  }
  return w;
}

function toWireToolChoice(c: ToolChoice): unknown {
  return typeof c === 'string' ? c : { type: 'function', function: { name: c.name } };
}

/** The JSON body of a chat completions request. */
export function chatRequestBody(modelId: string, req: ChatRequest, stream: boolean): string {
  const p = req.params;
  const body: Record<string, unknown> = { model: modelId, messages: req.messages.map(toWireMessage) };
  if (p.temperature !== undefined) body.temperature = p.temperature;
  if (p.topP !== undefined) body.top_p = p.topP;
  if (p.maxTokens !== undefined) body.max_tokens = p.maxTokens;
  if (p.stop !== undefined && p.stop.length > 0) body.stop = p.stop;
  if (p.tools !== undefined && p.tools.length > 0) {
    body.tools = p.tools.map((t) => ({
      type: 'function',
      function: t.description === undefined
        ? { name: t.name, parameters: t.parameters }
        : { name: t.name, description: t.description, parameters: t.parameters },
    }));
  }
  if (p.toolChoice !== undefined) body.tool_choice = toWireToolChoice(p.toolChoice);
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return JSON.stringify(body);
}

/** OpenAI finish_reason → ours; servers that omit it finished normally. */
export function toFinishReason(r: unknown, hasToolCalls: boolean): FinishReason {
  switch (r) {
    case 'stop':
    case 'length':
    case 'tool_calls':
    case 'content_filter':
      return r;
    case 'function_call':
      return 'tool_calls';
    default:
      return hasToolCalls ? 'tool_calls' : 'stop';
  }
}

interface WireUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * OpenAI's usage → ours. OpenAI counts cached prompt tokens inside prompt_tokens; Strata's inputTokens are the
 * uncached ones (as Bedrock reports them), so that cost = input·price + cacheRead·cachedPrice holds everywhere.
 */
export function toUsage(u: unknown): Usage | undefined {
  if (typeof u !== 'object' || u === null) return undefined;
  const w = u as WireUsage;
  const prompt = num(w.prompt_tokens);
  const cached = Math.min(prompt, num(w.prompt_tokens_details?.cached_tokens));
  return { inputTokens: prompt - cached, outputTokens: num(w.completion_tokens), cacheReadTokens: cached, cacheWriteTokens: 0 };
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  // Some servers send tool arguments as an object rather than a JSON string.
  return v === undefined || v === null ? '' : JSON.stringify(v);
}

/** Tool calls of a response message. */
export function toToolCalls(raw: unknown): ToolCall[] {
  if (!Array.isArray(raw)) return [];
  const out: ToolCall[] = [];
  for (const item of raw as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const c = item as { id?: unknown; function?: { name?: unknown; arguments?: unknown } };
    out.push({ id: str(c.id), name: str(c.function?.name), arguments: str(c.function?.arguments) });
  }
  return out;
}

/** The first choice of a response, or a model error when the server sent none. */
export function firstChoice(body: unknown): Record<string, unknown> {
  const choices = typeof body === 'object' && body !== null ? (body as { choices?: unknown }).choices : undefined;
  const first: unknown = Array.isArray(choices) ? (choices as unknown[])[0] : undefined;
  if (typeof first !== 'object' || first === null) {
    throw new StrataError('upstream_model_error', 'The OpenAI-compatible model server returned no choices.', {
      retryable: true,
      fallbackAllowed: true,
    });
  }
  return first as Record<string, unknown>;
}
