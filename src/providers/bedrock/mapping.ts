import type {
  ContentBlock,
  ConverseCommandInput,
  ConverseCommandOutput,
  Message,
  StopReason,
  SystemContentBlock,
  TokenUsage,
  Tool,
  ToolConfiguration,
  ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { StrataError, type ChatMessage, type ChatParams, type ChatResult, type FinishReason, type ToolCall, type Usage } from '../../core/index.js';

/** Smithy's JSON document type, as the SDK types tool inputs and schemas. */
type DocumentType = NonNullable<ToolUseBlock['input']>;

/** Converse requires alternating user/assistant turns; tool results ride in user turns. */
function converseRole(m: ChatMessage): 'user' | 'assistant' {
  return m.role === 'assistant' ? 'assistant' : 'user';
}

function parseToolArguments(call: ToolCall): DocumentType {
  if (call.arguments.trim() === '') return {};
  try {
    return JSON.parse(call.arguments) as DocumentType;
  } catch {
    throw new StrataError('invalid_request', `Tool call "${call.name}" (${call.id}) has arguments that are not valid JSON; send a JSON object.`);
  }
}

function blocksOf(m: ChatMessage): ContentBlock[] {
  if (m.role === 'tool') {
    if (m.toolCallId === undefined || m.toolCallId === '') {
      throw new StrataError('invalid_request', 'A tool message needs the id of the tool call it answers (tool_call_id).');
    }
    return [{ toolResult: { toolUseId: m.toolCallId, content: [{ text: m.content === '' ? '(empty)' : m.content }] } }];
  }
  const blocks: ContentBlock[] = [];
  // Bedrock rejects blank text blocks, e.g. the empty content of an assistant turn that only calls tools.
  if (m.content.trim() !== '') blocks.push({ text: m.content });
  if (m.role === 'assistant' && m.toolCalls !== undefined) {
    for (const call of m.toolCalls) {
      blocks.push({ toolUse: { toolUseId: call.id, name: call.name, input: parseToolArguments(call) } });
    }
  }
  return blocks;
}

function toolConfigOf(params: ChatParams, hasToolBlocks: boolean): ToolConfiguration | undefined {
  const tools = params.tools ?? [];
  if (tools.length === 0) return undefined;
  const choice = params.toolChoice ?? 'auto';
  // Converse has no "none": leaving tools out is how to forbid calls, unless the history holds
  // tool blocks, which Bedrock only accepts alongside a toolConfig; then "auto" is the closest.
  if (choice === 'none' && !hasToolBlocks) return undefined;
  const specs: Tool[] = tools.map((t) => ({
    toolSpec: {
      name: t.name,
      ...(t.description === undefined || t.description === '' ? {} : { description: t.description }),
      inputSchema: { json: t.parameters as DocumentType },
    },
  }));
  const cfg: ToolConfiguration = { tools: specs };
  if (choice === 'required') cfg.toolChoice = { any: {} };
  else if (typeof choice === 'object') cfg.toolChoice = { tool: { name: choice.name } };
  else cfg.toolChoice = { auto: {} };
  return cfg;
}

/** Our messages and params → a Converse request (system prompts apart, same-role turns merged). */
export function toConverseInput(modelId: string, messages: ChatMessage[], params: ChatParams): ConverseCommandInput {
  const system: SystemContentBlock[] = [];
  const turns: Message[] = [];
  let hasToolBlocks = false;
  for (const m of messages) {
    if (m.role === 'system') {
      if (m.content.trim() !== '') system.push({ text: m.content });
      continue;
    }
    const blocks = blocksOf(m);
    if (blocks.length === 0) continue;
    if (m.role === 'tool' || (m.toolCalls?.length ?? 0) > 0) hasToolBlocks = true;
    const role = converseRole(m);
    const last = turns[turns.length - 1];
    if (last !== undefined && last.role === role) last.content!.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  if (turns.length === 0) {
    throw new StrataError('invalid_request', 'The request has no user message; send at least one non-empty user message.');
  }
  if (turns[0]!.role !== 'user') {
    throw new StrataError('invalid_request', 'The conversation must start with a user message for Bedrock models.');
  }
  const input: ConverseCommandInput = { modelId, messages: turns };
  if (system.length > 0) input.system = system;
  const inf: NonNullable<ConverseCommandInput['inferenceConfig']> = {};
  if (params.maxTokens !== undefined) inf.maxTokens = params.maxTokens;
  if (params.temperature !== undefined) inf.temperature = params.temperature;
  if (params.topP !== undefined) inf.topP = params.topP;
  if (params.stop !== undefined && params.stop.length > 0) inf.stopSequences = params.stop;
  if (Object.keys(inf).length > 0) input.inferenceConfig = inf;
  const toolConfig = toolConfigOf(params, hasToolBlocks);
  if (toolConfig !== undefined) input.toolConfig = toolConfig;
  return input;
}

/** Bedrock stop reason → our finish reason. */
export function mapStopReason(r: StopReason | undefined): FinishReason {
  switch (r) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Bedrock usage → ours; cache tokens are reported apart from inputTokens. */
export function mapUsage(u: TokenUsage | undefined): Usage {
  return {
    inputTokens: u?.inputTokens ?? 0,
    outputTokens: u?.outputTokens ?? 0,
    cacheReadTokens: u?.cacheReadInputTokens ?? 0,
    cacheWriteTokens: u?.cacheWriteInputTokens ?? 0,
  };
}

/** A Converse response → ChatResult (text blocks joined, toolUse inputs as JSON strings). */
export function fromConverseOutput(out: ConverseCommandOutput, modelId: string): ChatResult {
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const b of out.output?.message?.content ?? []) {
    if (b.text !== undefined) text += b.text;
    else if (b.toolUse !== undefined) {
      toolCalls.push({ id: b.toolUse.toolUseId ?? '', name: b.toolUse.name ?? '', arguments: JSON.stringify(b.toolUse.input ?? {}) });
    }
  }
  return { text, toolCalls, finishReason: mapStopReason(out.stopReason), usage: mapUsage(out.usage), modelId };
}
