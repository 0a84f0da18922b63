import { countTokens } from '../../core/index.js';
import { isSpaceAt } from './sentences.js';

/*
 * Exact cl100k_base token counts of any span of one document, without re-reading the span.
 *
 * cl100k_base pre-tokenises with a regex and applies BPE to each piece on its own, so a text's count is the
 * sum of its pieces'. At a position p where text[p] is a space (U+0020) and text[p-1] is not whitespace, no
 * piece of any span containing both can cross p: the pattern's alternatives that take a space only take it as
 * a piece's first character (` ?[^\s\p{L}\p{N}]+`, `[^\r\n\p{L}\p{N}]?\p{L}+`) or inside a run of
 * whitespace, and text[p-1] is neither. Nor does anything on one side of p change the pieces on the other:
 * the pattern has no lookbehind, and the alternatives that can end at p stop there on a space exactly as they
 * stop at the end of the text. (The lookahead `\s+(?!\S)` only ends a piece inside whitespace, never at p.)
 *
 * So the document is cut at every such position into segments (a word with its leading space, give or take
 * punctuation), each counted once; a span's count is the counts of the whole segments it covers (prefix
 * sums) plus its two partial ends counted directly. Chunking counts every candidate chunk and every overlap on
 * the exact text: this makes each of those a binary search and two counts of a word or so.
 */

/*
 * Segment counts, remembered across documents: most segments are a common word with its space (Zipf), and one
 * lookup of the segment costs less than pre-tokenising it again and looking up its pieces.
 */
const MAX_REMEMBERED_SEGMENTS = 200_000;
const MAX_REMEMBERED_SEGMENT_LENGTH = 32;
const segmentTokens = new Map<string, number>();

function countSegment(segment: string): number {
  if (segment.length > MAX_REMEMBERED_SEGMENT_LENGTH) return countTokens(segment);
  let n = segmentTokens.get(segment);
  if (n === undefined) {
    n = countTokens(segment);
    if (segmentTokens.size >= MAX_REMEMBERED_SEGMENTS) segmentTokens.clear();
    segmentTokens.set(segment, n);
  }
  return n;
}

/** An offset as String.prototype.slice reads it: negative counts from the end; clamped to [0, length]. */
function sliceOffset(x: number, length: number): number {
  return x < 0 ? Math.max(length + x, 0) : Math.min(x, length);
}

export class TokenSpans {
  /** segment starts in ascending order, then text.length */
  private readonly bounds: Int32Array;
  /** prefix[i] = tokens of text[0, bounds[i]) */
  private readonly prefix: Float64Array;

  constructor(private readonly text: string) {
    const n = text.length;
    const starts: number[] = [0];
    for (let p = 1; p < n; p++) if (text.charCodeAt(p) === 32 && !isSpaceAt(text, p - 1)) starts.push(p);
    if (n > 0) starts.push(n);
    this.bounds = Int32Array.from(starts);
    this.prefix = new Float64Array(starts.length);
    for (let i = 1; i < starts.length; i++) this.prefix[i] = this.prefix[i - 1]! + countSegment(text.slice(starts[i - 1], starts[i]));
  }

  /** Tokens of text.slice(a, b): always equal to countTokens of that slice (offsets read as slice reads them). */
  count(start: number, end: number): number {
    const { bounds, prefix, text } = this;
    const a = sliceOffset(start, text.length);
    const b = sliceOffset(end, text.length);
    if (b <= a) return 0;
    const i = this.firstAtOrAfter(a);
    const j = this.firstAtOrAfter(b + 1) - 1; // last bound at or before b
    if (i >= j) return countTokens(text.slice(a, b));
    const head = bounds[i]! > a ? countTokens(text.slice(a, bounds[i])) : 0;
    const tail = bounds[j]! < b ? countTokens(text.slice(bounds[j], b)) : 0;
    return head + prefix[j]! - prefix[i]! + tail;
  }

  /** Index of the first bound >= offset (bounds.length when none). */
  private firstAtOrAfter(offset: number): number {
    const { bounds } = this;
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bounds[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
