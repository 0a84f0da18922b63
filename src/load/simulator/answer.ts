import { isRecord, countTokens, decodeTokens, encodeTokens } from '../../core/index.js';
import type { SimulatorSettings } from './settings.js';

/** The simulated model's reply, before it is put into a wire format. */
export type SimulatedAnswer =
  | { kind: 'text'; text: string; stop: 'end_turn' | 'max_tokens' | 'stop_sequence'; outputTokens: number }
  | { kind: 'tool'; name: string; input: Record<string, unknown>; outputTokens: number };

export interface SimulatedTool {
  name: string;
  /** JSON schema of the tool input */
  schema: unknown;
}

/**
 * A user message containing this phrase (case-insensitive), in a request that offers tools, makes the
 * simulated model call a tool: the one named right after the phrase if it exists, else the first.
 */
export const TOOL_TRIGGER = 'call tool';

/** Builds the answer: echo or canned text, cut by maxTokens and stop sequences, or a tool call. */
export function buildAnswer(
  mode: SimulatorSettings['answer'],
  lastUserText: string,
  tools: SimulatedTool[],
  maxTokens: number | undefined,
  stop: string[] | undefined,
): SimulatedAnswer {
  if (tools.length > 0) {
    const at = lastUserText.toLowerCase().indexOf(TOOL_TRIGGER);
    if (at >= 0) {
      const after = lastUserText.slice(at + TOOL_TRIGGER.length).trim().split(/\s+/)[0] ?? '';
      const tool = tools.find((t) => t.name === after) ?? tools[0]!;
      const input = inputFor(tool.schema, lastUserText);
      return { kind: 'tool', name: tool.name, input, outputTokens: countTokens(JSON.stringify(input)) + countTokens(tool.name) };
    }
  }
  let text = mode.mode === 'canned' ? mode.text : lastUserText;
  let reason: 'end_turn' | 'max_tokens' | 'stop_sequence' = 'end_turn';
  if (stop !== undefined) {
    let cut = -1;
    for (const s of stop) {
      if (s === '') continue;
      const i = text.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      text = text.slice(0, cut);
      reason = 'stop_sequence';
    }
  }
  let outputTokens = countTokens(text);
  if (maxTokens !== undefined && maxTokens >= 0 && outputTokens > maxTokens) {
    text = decodeTokens(encodeTokens(text).slice(0, maxTokens));
    outputTokens = maxTokens;
    reason = 'max_tokens';
  }
  return { kind: 'text', text, stop: reason, outputTokens };
}

/** Fills a tool input from its JSON schema: strings get the user's text, so a round trip is checkable. */
function inputFor(schema: unknown, text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = isRecord(schema) && isRecord(schema.properties) ? schema.properties : {};
  for (const [name, def] of Object.entries(props)) {
    const type = isRecord(def) ? def.type : undefined;
    if (type === 'string') out[name] = text;
    else if (type === 'number' || type === 'integer') out[name] = 1;
    else if (type === 'boolean') out[name] = true;
    else if (type === 'array') out[name] = [];
    else out[name] = null;
  }
  return out;
}


/**
 * Splits text into stream deltas of `perChunk` tokens. A group that would end inside a multi-byte
 * character is merged with the next, so the deltas always concatenate to the original text.
 */
export function chunkText(text: string, perChunk: number): string[] {
  if (text === '') return [];
  const tokens = encodeTokens(text);
  const out: string[] = [];
  let pending: number[] = [];
  for (let i = 0; i < tokens.length; i += perChunk) {
    pending = pending.concat(tokens.slice(i, i + perChunk));
    const last = i + perChunk >= tokens.length;
    const s = decodeTokens(pending);
    if (!last && s.endsWith('\uFFFD')) continue;
    out.push(s);
    pending = [];
  }
  return out;
}
