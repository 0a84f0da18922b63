import { sha256Hex, type ChatMessage, type ChatParams, type ToolCall } from '../../core/index.js';
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
 * Exact-match cache key: hex SHA-256 over a canonical, versioned encoding of the request. Every object built
 * here lists its keys in sorted order and holds only strings, numbers and arrays of those, so JSON.stringify
 * encodes it canonically (half the cost of canonicalJson); the parts that carry caller-written objects (tool
 * schemas, tool choice) are canonicalised on their own and enter as strings.
 */
export function responseCacheKey(input: ResponseCacheKeyInput): string {
  const encoded = JSON.stringify({
    messages: input.messages.map(encodeMessage),
    model: input.model,
    params: encodeParams(input.params),
    route: input.route,
    tenant: input.tenant,
    v: KEY_VERSION,
  });
  return sha256Hex(encoded);
}

// Return types list every field (Record makes optional ones required): adding a field to ChatMessage
// or ChatParams fails type-checking here until someone decides whether it changes the answer,
// instead of it being silently left out of the key.
function encodeMessage(m: ChatMessage): Record<keyof ChatMessage, unknown> {
  // content is kept exactly: whitespace can change what a model answers
  return {
    content: m.content,
    name: m.name,
    role: m.role,
    toolCallId: m.toolCallId,
    toolCalls: nonEmpty(m.toolCalls)?.map((c: ToolCall) => ({ arguments: c.arguments, id: c.id, name: c.name })),
  };
}

function encodeParams(p: ChatParams): Record<keyof ChatParams, unknown> {
  return {
    maxTokens: p.maxTokens,
    // an empty list means the same as none; both must share an entry
    stop: nonEmpty(p.stop),
    temperature: p.temperature,
    toolChoice: p.toolChoice === undefined ? undefined : canonicalJson(p.toolChoice),
    tools: p.tools === undefined || p.tools.length === 0 ? undefined : canonicalJson(p.tools),
    topP: p.topP,
  };
}

function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list !== undefined && list.length > 0 ? list : undefined;
}
