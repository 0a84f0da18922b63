import type { Pool } from 'undici';
import {
  StrataError,
  countMessageTokens,
  countTokens,
  type ChatChunk,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  type FinishReason,
  type Usage,
} from '../../core/index.js';
import { streamError } from './errors.js';
import { acquirePool, baseHeaders, parseBaseUrl, postJson, postJsonText, releasePool, transportError } from './http.js';
import { SseDataParser } from './sse.js';
import { chatRequestBody, firstChoice, toFinishReason, toToolCalls, toUsage } from './wire.js';

/** Connection settings of one model on an OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp, LM Studio). */
export interface OpenAIModelOptions {
  /** the server's model name, sent as `model` */
  modelId: string;
  /** API root including the version prefix, e.g. http://127.0.0.1:11434/v1 */
  baseUrl: string;
  /** sent as `authorization: Bearer …` (the config layer resolves env vars) */
  apiKey?: string;
  /** the name Strata's config gives this model */
  alias?: string;
  /** extra request headers (organisation, project, routing) */
  headers?: Record<string, string>;
}

export interface OpenAIChatModel extends ChatModel {
  readonly alias: string | undefined;
  /** releases this model's share of the connection pool */
  close(): Promise<void>;
}

interface StreamDelta {
  content?: unknown;
  tool_calls?: unknown;
}

interface StreamToolCallDelta {
  index?: unknown;
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

function parseEvent(data: string): Record<string, unknown> {
  try {
    const v = JSON.parse(data) as unknown;
    if (typeof v === 'object' && v !== null) return v as Record<string, unknown>;
  } catch (e) {
    throw streamError('an event was not valid JSON', undefined, e);
  }
  throw streamError('an event was not a JSON object');
}

class OpenAIChat implements OpenAIChatModel {
  readonly provider = 'openai';
  readonly modelId: string;
  readonly alias: string | undefined;
  private readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private readonly streamHeaders: Record<string, string>;
  private pool: Pool | undefined;

  constructor(opts: OpenAIModelOptions) {
    if (typeof opts.modelId !== 'string' || opts.modelId.length === 0) {
      throw new StrataError('config_invalid', 'An OpenAI-compatible model needs a modelId.');
    }
    const ep = parseBaseUrl(opts.baseUrl);
    this.modelId = opts.modelId;
    this.alias = opts.alias;
    this.origin = ep.origin;
    this.path = `${ep.basePath}/chat/completions`;
    this.headers = baseHeaders(opts.apiKey, opts.headers);
    this.streamHeaders = { ...this.headers, accept: 'text/event-stream' };
    this.pool = acquirePool(ep.origin);
  }

  private livePool(): Pool {
    if (!this.pool) throw new StrataError('internal', 'This model client has been closed.');
    return this.pool;
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    const res = await postJsonText(this.livePool(), this.path, this.headers, chatRequestBody(this.modelId, req, false), req.signal);
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch (e) {
      throw new StrataError('upstream_model_error', 'The OpenAI-compatible model server returned invalid JSON.', {
        retryable: true,
        fallbackAllowed: true,
        cause: e,
      });
    }
    const choice = firstChoice(body);
    const message = (choice.message ?? {}) as { content?: unknown; tool_calls?: unknown };
    const text = typeof message.content === 'string' ? message.content : '';
    const toolCalls = toToolCalls(message.tool_calls);
    const b = body as { usage?: unknown; model?: unknown };
    return {
      text,
      toolCalls,
      finishReason: toFinishReason(choice.finish_reason, toolCalls.length > 0),
      usage: toUsage(b.usage) ?? this.estimateUsage(req, text, toolCalls.map((c) => c.arguments).join('')),
      modelId: typeof b.model === 'string' && b.model.length > 0 ? b.model : this.modelId,
    };
  }

  /** Usage for servers that report none: our own cl100k estimate (the server's tokenizer may differ). */
  private estimateUsage(req: ChatRequest, text: string, toolArgs: string): Usage {
    return {
      inputTokens: countMessageTokens(req.messages),
      outputTokens: countTokens(text) + countTokens(toolArgs),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
  }

  async *stream(req: ChatRequest): AsyncGenerator<ChatChunk> {
    const res = await postJson(this.livePool(), this.path, this.streamHeaders, chatRequestBody(this.modelId, req, true), req.signal);
    const parser = new SseDataParser();
    const events: string[] = [];
    let done = false;
    let finishRaw: unknown;
    let finishSeen = false;
    let usage: Usage | undefined;
    let sawToolCalls = false;
    // Kept only to estimate usage when the server sends none.
    let outText = '';
    let outArgs = '';
    try {
      // A streaming decoder keeps multi-byte characters that straddle network chunks intact.
      const decoder = new TextDecoder();
      let ended = false;
      const iterator = res.body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      while (!done) {
        if (!ended) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await iterator.next();
          } catch (e) {
            if (req.signal?.aborted) throw transportError(e, req.signal);
            throw streamError('the connection was lost mid-stream', undefined, e);
          }
          if (next.done) {
            ended = true;
            const rest = decoder.decode();
            if (rest.length > 0) parser.push(rest, events);
            parser.end(events);
          } else {
            parser.push(decoder.decode(next.value, { stream: true }), events);
          }
        }
        for (let i = 0; i < events.length && !done; i++) {
          const data = events[i]!;
          if (data === '[DONE]') {
            done = true;
            break;
          }
          const ev = parseEvent(data);
          if (ev.error !== undefined && ev.error !== null) throw streamError('the server reported an error', ev);
          const u = toUsage(ev.usage);
          if (u) usage = u;
          const choices = ev.choices;
          const choice = Array.isArray(choices) ? (choices[0] as Record<string, unknown> | undefined) : undefined;
          if (!choice) continue;
          const delta = choice.delta as StreamDelta | undefined;
          if (delta) {
            if (typeof delta.content === 'string' && delta.content.length > 0) {
              outText += delta.content;
              yield { type: 'text', text: delta.content };
            }
            if (Array.isArray(delta.tool_calls)) {
              let pos = 0;
              for (const raw of delta.tool_calls as StreamToolCallDelta[]) {
                sawToolCalls = true;
                const args = typeof raw.function?.arguments === 'string' ? raw.function.arguments : raw.function?.arguments === undefined ? '' : JSON.stringify(raw.function.arguments);
                outArgs += args;
                const chunk: ChatChunk = { type: 'tool_call', index: typeof raw.index === 'number' ? raw.index : pos, argumentsDelta: args };
                if (typeof raw.id === 'string' && raw.id.length > 0) chunk.id = raw.id;
                if (typeof raw.function?.name === 'string' && raw.function.name.length > 0) chunk.name = raw.function.name;
                pos++;
                yield chunk;
              }
            }
          }
          if (choice.finish_reason !== undefined && choice.finish_reason !== null) {
            finishRaw = choice.finish_reason;
            finishSeen = true;
          }
        }
        events.length = 0;
        if (done && !ended) {
          // Read the (normally empty) rest so the keep-alive connection goes back to the pool instead of closing.
          try {
            while (!(await iterator.next()).done) {
              /* discard */
            }
          } catch {
            // the answer is complete; a late socket error only costs the connection
          }
          ended = true;
        }
        // A server that closes after its final finish_reason but without [DONE] (older llama.cpp) still
        // delivered a complete answer; a close before any finish_reason is a truncated stream.
        if (ended && !done) {
          if (!finishSeen) throw streamError('the connection closed before the end of the stream');
          break;
        }
      }
    } finally {
      if (!res.body.readableEnded) res.body.destroy();
    }
    const finishReason: FinishReason = toFinishReason(finishRaw, sawToolCalls);
    yield { type: 'finish', finishReason, usage: usage ?? this.estimateUsage(req, outText, outArgs) };
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await releasePool(this.origin, pool);
  }
}

/** A chat model on an OpenAI-compatible server (provider 'openai'), over a shared keep-alive undici pool. */
export function createOpenAIChatModel(opts: OpenAIModelOptions): OpenAIChatModel {
  return new OpenAIChat(opts);
}
