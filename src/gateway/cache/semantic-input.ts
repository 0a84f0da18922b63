import { sha256Hex, type ChatMessage, type ChatParams } from '../../core/index.js';
import { canonicalJson } from './canonical-json.js';

/**
 * The text to embed for a semantic cache lookup: the system messages and the user messages of a
 * single-turn request, in order. Undefined when the request is not eligible: a conversation with
 * earlier assistant or tool turns (its last question, e.g. "and in French?", means nothing without
 * them, so matching on it would replay another conversation's answer) or one without user text.
 */
export function semanticCacheText(messages: ChatMessage[]): string | undefined {
  const parts: string[] = [];
  let hasUserText = false;
  for (const m of messages) {
    if (m.role === 'assistant' || m.role === 'tool') return undefined;
    // every user message is kept, not only the last: retrieved context or a pasted document often
    // rides in an earlier one, and two requests with different documents must not match
    if (m.role === 'user' && m.content.trim() !== '') hasUserText = true;
    if (m.content !== '') parts.push(m.content);
  }
  return hasUserText ? parts.join('\n\n') : undefined;
}

/**
 * The `route` argument to give SemanticCacheIndex: the route narrowed to one model alias and one set
 * of parameters, so a similar prompt never replays an answer produced by another model, with other
 * tools or under another token limit.
 */
export function semanticCacheScope(input: { route: string; model: string; params: ChatParams }): string {
  const scope = sha256Hex(canonicalJson({ model: input.model, params: input.params }));
  return `${input.route}#${scope}`;
}
