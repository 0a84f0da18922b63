/** Shared request/response types used by every layer. Provider-neutral. */

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

/** A tool invocation requested by the model (arguments are a JSON string, as in OpenAI). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** One conversation message. `content` is plain text; tool calls and results ride alongside. */
export interface ChatMessage {
  role: MessageRole;
  content: string;
  /** assistant messages: tool calls the model asked for */
  toolCalls?: ToolCall[];
  /** tool messages: the id of the call this message answers */
  toolCallId?: string;
  name?: string;
}

/** A tool the model may call; `parameters` is a JSON Schema object. */
export interface ToolSpec {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export interface ChatParams {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  tools?: ToolSpec[];
  toolChoice?: ToolChoice;
}

export interface ChatRequest {
  messages: ChatMessage[];
  params: ChatParams;
  /** aborted when the attempt times out, the deadline passes or the client goes away */
  signal?: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  /** the provider's own model id that answered */
  modelId: string;
}

/** Streaming events. Tool calls stream as deltas keyed by index, like OpenAI. */
export type ChatChunk =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; index: number; id?: string; name?: string; argumentsDelta: string }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage };

/** A chat-capable model behind one provider. Provider quirks stay inside the implementation. */
export interface ChatModel {
  readonly provider: string;
  readonly modelId: string;
  chat(req: ChatRequest): Promise<ChatResult>;
  stream(req: ChatRequest): AsyncIterable<ChatChunk>;
  close?(): Promise<void>;
}

export type EmbeddingInputType = 'document' | 'query';

export interface EmbeddingRequest {
  texts: string[];
  inputType?: EmbeddingInputType;
  /** requested output dimension where the model supports several */
  dimensions?: number;
  signal?: AbortSignal;
}

export interface EmbeddingResult {
  vectors: Float32Array[];
  usage: { inputTokens: number };
  modelId: string;
}

export interface EmbeddingModel {
  readonly provider: string;
  readonly modelId: string;
  readonly dimensions: number;
  embed(req: EmbeddingRequest): Promise<EmbeddingResult>;
  close?(): Promise<void>;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
}

/**
 * One row per request through the gateway. Carries hashes, counts and ids only: never content.
 */
export interface InvocationRecord {
  id: string;
  /** epoch milliseconds when the request arrived */
  ts: number;
  tenant: string;
  route: string;
  /** the route or alias the client asked for */
  modelRequested: string;
  /** alias of the model that produced the answer (null when none did) */
  modelAnswered: string | null;
  /** provider model id that answered */
  providerModelId: string | null;
  attempts: number;
  fallbacks: number;
  status: 'ok' | 'error';
  errorCode: string | null;
  httpStatus: number;
  stream: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  latencyMs: number;
  ttftMs: number | null;
  /** HMAC-SHA256 (hex) of the normalised prompt */
  promptHash: string;
  /** HMAC-SHA256 (hex) of the output text, null when there was none */
  outputHash: string | null;
  finishReason: FinishReason | null;
  /** free-form attribution tags (feature, segment …), validated upstream */
  tags: Record<string, string>;
  /** USD; null when the model that answered has no known price, 0 for local models */
  costUsd: number | null;
  /** public id of the API key that asked (null in no-auth mode and for in-process callers) */
  keyId: string | null;
  /** how the route's response cache treated the request; null when the route has no cache */
  cache: CacheStatus | null;
  /** name of the budget that moved the request to a cheaper model, if one did */
  downgradedBy: string | null;
  /** the prompt version the request rendered, `name@version`; null when it named no prompt */
  prompt: string | null;
  /** the experiment that chose how this request was served, and its arm (null outside experiments) */
  experiment: string | null;
  arm: string | null;
  /** the guardrail policy of the route (absent or null when it has none) */
  guardrail?: string | null;
  /** what the policy found and did: checks, entity types, actions — never the matched text */
  guardrailInterventions?: GuardrailInterventionRecord[] | null;
}

/** One guardrail intervention as recorded: which side, which check, what it did, to which types. */
export interface GuardrailInterventionRecord {
  /** input = the user's messages, output = the answer, documents = retrieved passages */
  side: 'input' | 'output' | 'documents';
  /** pii | regex | topic | word | prompt_attack | grounding | relevance | bedrock */
  check: string;
  /** DETECTED = found but the policy's action is NONE (recorded only) */
  action: 'BLOCKED' | 'ANONYMIZED' | 'DETECTED';
  /** entity types, topic names, attack categories … */
  types: string[];
}

export type CacheStatus = 'hit' | 'miss' | 'bypass';
