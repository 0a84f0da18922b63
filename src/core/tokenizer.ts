import { Tiktoken } from 'js-tiktoken/lite';
import type { ChatMessage } from './types.js';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

let encoder: Tiktoken | undefined;

function getEncoder(): Tiktoken {
  encoder ??= new Tiktoken(cl100k);
  return encoder;
}

/*
 * js-tiktoken's BPE is quadratic in the length of one pre-tokenised piece: a run of 8,000 identical
 * characters took ~6 s, so a single request body could stall the event loop for minutes. Pieces longer
 * than this are encoded in slices of this size (~0.1-0.9 ms each here): for the rare piece that long (long
 * runs, blobs without spaces) the count may differ by a token per slice from a whole-piece encoding, which
 * is fine for estimates and truncation; everything shorter is encoded exactly as the model's tokenizer
 * would. countTokens memoises slices, so a long run of one character costs one slice.
 */
const MAX_BPE_PIECE = 64;

function encodePiece(piece: string, out: number[]): void {
  const enc = getEncoder();
  if (piece.length <= MAX_BPE_PIECE) {
    for (const t of enc.encode(piece, [], [])) out.push(t);
    return;
  }
  let start = 0;
  while (start < piece.length) {
    let end = Math.min(piece.length, start + MAX_BPE_PIECE);
    // never cut a surrogate pair in two
    if (end < piece.length && /[\uD800-\uDBFF]/.test(piece[end - 1]!)) end--;
    for (const t of enc.encode(piece.slice(start, end), [], [])) out.push(t);
    start = end;
  }
}

/** Token ids of text under cl100k_base (exact except inside pieces over 256 characters). Special-token text is treated as plain text. */
export function encodeTokens(text: string): number[] {
  const out: number[] = [];
  const re = new RegExp(PIECE.source, 'gu');
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) encodePiece(m[0], out);
  return out;
}

/** Text of token ids under cl100k_base. */
export function decodeTokens(tokens: number[]): string {
  return getEncoder().decode(tokens);
}

/*
 * cl100k_base applies BPE to each piece of its pre-tokenising regex independently, so the token count of a
 * text is the sum of its pieces' counts. Memoising pieces (Zipf: a few thousand cover most text) makes
 * counting ~8x faster than encoding the whole text, which matters on the gateway's hot path (limits, local
 * model) and for ingest throughput. The result is identical to encodeTokens(text).length.
 */
const PIECE = new RegExp(cl100k.pat_str, 'gu');
const MAX_CACHED_PIECES = 100_000;
const MAX_CACHED_PIECE_LENGTH = 48;
const pieceCounts = new Map<string, number>();

/** Tokens of one piece of at most MAX_BPE_PIECE characters, memoised. */
function cachedCount(piece: string): number {
  let c = pieceCounts.get(piece);
  if (c === undefined) {
    const out: number[] = [];
    encodePiece(piece, out);
    c = out.length;
    if (pieceCounts.size >= MAX_CACHED_PIECES) pieceCounts.clear();
    pieceCounts.set(piece, c);
  }
  return c;
}

/** Number of cl100k_base tokens in text (an estimate for non-OpenAI models), memoised per piece. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  let n = 0;
  PIECE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PIECE.exec(text)) !== null) {
    const piece = m[0];
    if (piece.length > MAX_CACHED_PIECE_LENGTH) {
      for (let i = 0; i < piece.length; ) {
        let end = Math.min(piece.length, i + MAX_BPE_PIECE);
        if (end < piece.length && /[\uD800-\uDBFF]/.test(piece[end - 1]!)) end--;
        n += cachedCount(piece.slice(i, end));
        i = end;
      }
      continue;
    }
    n += cachedCount(piece);
  }
  return n;
}

/** Tokens of a conversation's text: contents plus tool-call names and arguments (an estimate of input). */
export function countMessageTokens(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) {
    n += countTokens(m.content);
    if (m.toolCalls) for (const c of m.toolCalls) n += countTokens(c.name) + countTokens(c.arguments);
  }
  return n;
}
