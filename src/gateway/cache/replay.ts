import type { ChatChunk } from '../../core/index.js';
import type { CachedAnswer } from './cached-answer.js';

// A word with the whitespace around it; runs without spaces (CJK text, URLs, base64) are cut every
// 24 code points so no single chunk carries a paragraph. Concatenating the pieces gives the text back.
const PIECE = /\s*\S{1,24}\s*/gu;

/** A cached answer as stream chunks: word-sized text pieces, one delta per tool call, then finish. */
export function replayAsChunks(answer: CachedAnswer): ChatChunk[] {
  const { result } = answer;
  const chunks: ChatChunk[] = [];
  for (const text of textPieces(result.text)) chunks.push({ type: 'text', text });
  result.toolCalls.forEach((call, index) => {
    chunks.push({ type: 'tool_call', index, id: call.id, name: call.name, argumentsDelta: call.arguments });
  });
  chunks.push({ type: 'finish', finishReason: result.finishReason, usage: { ...result.usage } });
  return chunks;
}

function textPieces(text: string): string[] {
  if (text === '') return [];
  const pieces = text.match(PIECE);
  // text made only of whitespace has no word to anchor on, yet must still be replayed
  return pieces ?? [text];
}
