import { jsonString, sha256Hex, type ChatMessage, type ChatParams, type ToolCall } from '../../core/index.js';
import { canonicalJson } from './canonical-json.js';

/**
 * Bumped whenever the encoding below changes, so entries written by an older encoding become
 * unreachable instead of being replayed for a request they were never computed for.
 */
const KEY_VERSION = 'strata.response-cache.v2';

/** Everything that decides which answer a request gets. */
export interface ResponseCacheKeyInput {
  tenant: string;
  route: string;
  /** the resolved model alias (not the route name the client asked for) */
  model: string;
  messages: ChatMessage[];
  params: ChatParams;
}

/**
 * Exact-match cache key: hex SHA-256 over a canonical, versioned encoding of the request: the JSON text of
 * { messages, model, params, route, tenant, v } with every object's keys in sorted order and absent fields
 * left out. The text is written directly (no intermediate objects; ~2x cheaper than JSON.stringify of built
 * objects, which gave exactly the same text); the parts that carry caller-written objects (tool schemas, tool
 * choice) are canonicalised on their own and enter as strings.
 */
export function responseCacheKey(input: ResponseCacheKeyInput): string {
  let text = '{"messages":[';
  const messages = input.messages;
  for (let i = 0; i < messages.length; i++) {
    if (i > 0) text += ',';
    text += encodeMessage(messages[i]!);
  }
  text += `],"model":${json(input.model)},"params":${encodeParams(input.params)},"route":${json(input.route)},"tenant":${json(input.tenant)},"v":${json(KEY_VERSION)}}`;
  return sha256Hex(text);
}

// Every field of ChatMessage and ChatParams is listed here: adding one fails type-checking until someone
// decides whether it changes the answer, instead of it being silently left out of the key.
type MessageFields = 'content' | 'name' | 'role' | 'toolCallId' | 'toolCalls';
type ParamFields = 'maxTokens' | 'stop' | 'temperature' | 'toolChoice' | 'tools' | 'topP';
const everyMessageField: [Exclude<keyof ChatMessage, MessageFields>] extends [never] ? true : never = true;
const everyParamField: [Exclude<keyof ChatParams, ParamFields>] extends [never] ? true : never = true;
void everyMessageField;
void everyParamField;

const json = (v: unknown): string | undefined => (typeof v === 'string' ? jsonString(v) : JSON.stringify(v));

/** `,"name":value` (or without the comma when first) for a defined value, as JSON.stringify writes a field */
function field(fields: string, name: string, value: unknown): string {
  if (value === undefined) return fields;
  return `${fields}${fields === '' ? '' : ','}"${name}":${json(value)}`;
}

function encodeMessage(m: ChatMessage): string {
  // content is kept exactly: whitespace can change what a model answers
  let f = field('', 'content', m.content);
  f = field(f, 'name', m.name);
  f = field(f, 'role', m.role);
  f = field(f, 'toolCallId', m.toolCallId);
  f = field(f, 'toolCalls', nonEmpty(m.toolCalls)?.map((c: ToolCall) => ({ arguments: c.arguments, id: c.id, name: c.name })));
  return `{${f}}`;
}

function encodeParams(p: ChatParams): string {
  let f = field('', 'maxTokens', p.maxTokens);
  // an empty list means the same as none; both must share an entry
  f = field(f, 'stop', nonEmpty(p.stop));
  f = field(f, 'temperature', p.temperature);
  f = field(f, 'toolChoice', p.toolChoice === undefined ? undefined : canonicalJson(p.toolChoice));
  f = field(f, 'tools', p.tools === undefined || p.tools.length === 0 ? undefined : canonicalJson(p.tools));
  f = field(f, 'topP', p.topP);
  return `{${f}}`;
}

function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list !== undefined && list.length > 0 ? list : undefined;
}
