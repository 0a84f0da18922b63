import { Tiktoken } from 'js-tiktoken/lite';
import type { ChatMessage } from './types.js';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

let decoder: Tiktoken | undefined;

/** js-tiktoken, only for decoding: encoding goes through the byte-pair merge below. */
function getDecoder(): Tiktoken {
  decoder ??= new Tiktoken(cl100k);
  return decoder;
}

/*
 * Byte-pair encoding over cl100k_base's ranks, written here rather than called through js-tiktoken: its
 * encode() builds two regular expressions per call and keys its rank map by comma-joined byte lists, which
 * made the first sight of each distinct piece cost ~30 µs (40k distinct pieces in the ingest benchmark's
 * corpus: over a second of a fresh process). The ranks here are keyed by the piece's UTF-8 bytes as a
 * latin1 string — for ASCII, the piece itself — and the merge is the same algorithm (always merge the
 * adjacent pair whose concatenation has the lowest rank, the leftmost on ties), so the token ids are the
 * ones js-tiktoken's encode(text, [], []) returns; the tokenizer tests compare both on varied text.
 */
let ranks: Map<string, number> | undefined;
/** rank of each two-byte token, indexed by (first byte << 8 | second byte); -1 where there is none */
let pairRanks: Int32Array | undefined;
/** rank of each single byte (cl100k_base has all 256) */
let byteRanks: Int32Array | undefined;

function getRanks(): Map<string, number> {
  if (ranks !== undefined) return ranks;
  const map = new Map<string, number>();
  const pairs = new Int32Array(65536).fill(-1);
  const bytes = new Int32Array(256).fill(-1);
  for (const line of cl100k.bpe_ranks.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    const offset = Number.parseInt(fields[1]!, 10);
    for (let i = 2; i < fields.length; i++) {
      const key = Buffer.from(fields[i]!, 'base64').toString('latin1');
      const rank = offset + i - 2;
      map.set(key, rank);
      if (key.length === 1) bytes[key.charCodeAt(0)] = rank;
      else if (key.length === 2) pairs[(key.charCodeAt(0) << 8) | key.charCodeAt(1)] = rank;
    }
  }
  pairRanks = pairs;
  byteRanks = bytes;
  ranks = map;
  return map;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** The UTF-8 bytes of s as a latin1 string (lone surrogates become U+FFFD, as TextEncoder does). */
function utf8Latin1(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/** Appends the tokens of one pre-tokenised piece, given as UTF-8 bytes in a latin1 string. */
function bytePairEncode(bytes: string, out: number[]): void {
  const rankOf = getRanks();
  const whole = rankOf.get(bytes);
  if (whole !== undefined) {
    out.push(whole);
    return;
  }
  const n = bytes.length;
  // part i spans bytes [starts[i], starts[i + 1]) and is token parts[i]; pair[i] is the rank of parts i and
  // i + 1 joined (Infinity: no such token). Byte pairs come from a table, longer joins from the map.
  const starts: number[] = new Array<number>(n + 1);
  const parts: number[] = new Array<number>(n);
  const pair: number[] = new Array<number>(n - 1);
  for (let i = 0; i <= n; i++) starts[i] = i;
  for (let i = 0; i < n; i++) parts[i] = byteRanks![bytes.charCodeAt(i)]!;
  for (let i = 0; i < n - 1; i++) {
    const r = pairRanks![(bytes.charCodeAt(i) << 8) | bytes.charCodeAt(i + 1)]!;
    pair[i] = r < 0 ? Infinity : r;
  }
  let count = n;
  while (count > 1) {
    let best = 0;
    for (let i = 1; i < count - 1; i++) if (pair[i]! < pair[best]!) best = i;
    const merged = pair[best]!;
    if (merged === Infinity) break;
    parts[best] = merged;
    parts.splice(best + 1, 1);
    starts.splice(best + 1, 1);
    pair.splice(best, 1);
    count--;
    if (best > 0) pair[best - 1] = rankOf.get(bytes.slice(starts[best - 1], starts[best + 1])) ?? Infinity;
    if (best < count - 1) pair[best] = rankOf.get(bytes.slice(starts[best], starts[best + 2])) ?? Infinity;
  }
  for (let i = 0; i < count; i++) out.push(parts[i]!);
}

/** Tokens of text pre-tokenised on its own (what js-tiktoken's encode(text, [], []) returns). */
function encodeOrdinary(text: string, out: number[]): void {
  // its own regex: countPieces is mid-scan with PIECE when a new piece lands here
  INNER_PIECE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = INNER_PIECE.exec(text)) !== null) bytePairEncode(utf8Latin1(m[0]), out);
}

/*
 * BPE is quadratic in the length of one pre-tokenised piece: a run of 8,000 identical characters took ~6 s
 * in js-tiktoken, so a single request body could stall the event loop for minutes. Pieces longer than this
 * are encoded in slices of this size: for the rare piece that long (long runs, blobs without spaces) the
 * count may differ by a token per slice from a whole-piece encoding, which is fine for estimates and
 * truncation; everything shorter is encoded exactly as the model's tokenizer would. countTokens memoises
 * slices, so a long run of one character costs one slice.
 */
const MAX_BPE_PIECE = 64;

function encodePiece(piece: string, out: number[]): void {
  if (piece.length <= MAX_BPE_PIECE) {
    encodeOrdinary(piece, out);
    return;
  }
  let start = 0;
  while (start < piece.length) {
    let end = Math.min(piece.length, start + MAX_BPE_PIECE);
    // never cut a surrogate pair in two
    if (end < piece.length && isHighSurrogate(piece.charCodeAt(end - 1))) end--;
    encodeOrdinary(piece.slice(start, end), out);
    start = end;
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** Token ids of text under cl100k_base (exact except inside pieces over 64 characters). Special-token text is treated as plain text. */
export function encodeTokens(text: string): number[] {
  const out: number[] = [];
  const re = new RegExp(PIECE.source, 'gu');
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) encodePiece(m[0], out);
  return out;
}

/** Text of token ids under cl100k_base. */
export function decodeTokens(tokens: number[]): string {
  return getDecoder().decode(tokens);
}

/*
 * cl100k_base applies BPE to each piece of its pre-tokenising regex independently, so the token count of a
 * text is the sum of its pieces' counts. Memoising pieces (Zipf: a few thousand cover most text) makes
 * counting ~8x faster than encoding the whole text, which matters on the gateway's hot path (limits, local
 * model) and for ingest throughput. The result is identical to encodeTokens(text).length.
 */
const PIECE = new RegExp(cl100k.pat_str, 'gu');
const INNER_PIECE = new RegExp(cl100k.pat_str, 'gu');
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

/*
 * Whole texts are memoised too, a few thousand of the most recent long ones: ingestion counts each chunk
 * when it cuts it and again when the embedder reports usage for it (and the gateway may estimate it for
 * limits), always the same string, so the second and third counts are one hash lookup instead of a pass
 * over the text. Short texts are cheaper to count than to remember.
 */
const MIN_MEMO_TEXT = 256;
const MAX_MEMO_TEXTS = 4096;
const textCounts = new Map<string, number>();

/** Number of cl100k_base tokens in text (an estimate for non-OpenAI models), memoised per piece. */
export function countTokens(text: string): number {
  if (text.length < MIN_MEMO_TEXT) return countPieces(text);
  const known = textCounts.get(text);
  if (known !== undefined) return known;
  const n = countPieces(text);
  if (textCounts.size >= MAX_MEMO_TEXTS) textCounts.delete(textCounts.keys().next().value!);
  textCounts.set(text, n);
  return n;
}

/**
 * Records the exact count of a text whose count the caller derived without counting it (the chunker sums
 * per-document prefix counts), so that a later countTokens of the same text is a lookup. Short texts are
 * ignored, as countTokens does not look them up.
 */
export function rememberTokenCount(text: string, tokens: number): void {
  if (text.length < MIN_MEMO_TEXT || textCounts.has(text)) return;
  if (textCounts.size >= MAX_MEMO_TEXTS) textCounts.delete(textCounts.keys().next().value!);
  textCounts.set(text, tokens);
}

function countPieces(text: string): number {
  if (text.length === 0) return 0;
  let n = 0;
  PIECE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PIECE.exec(text)) !== null) {
    const piece = m[0];
    if (piece.length > MAX_CACHED_PIECE_LENGTH) {
      for (let i = 0; i < piece.length; ) {
        let end = Math.min(piece.length, i + MAX_BPE_PIECE);
        if (end < piece.length && isHighSurrogate(piece.charCodeAt(end - 1))) end--;
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
