import { BOUNDARY, type BoundaryKind, type TokenUnits } from './units.js';

/** Where a window may be cut: at a boundary of at least `kind`, once the chunk holds `minFill` tokens. */
export interface CutRule {
  kind: BoundaryKind;
  minFill: number;
}

export interface WindowParams {
  maxTokens: number;
  /** tokens that chunk n+1 repeats from the end of chunk n; 0 for none */
  overlapTokens: number;
  /** tried in order; when none applies the window is cut mid-word at its end (the last resort) */
  cutRules: readonly CutRule[];
}

/** A chunk found by windowing: units first..last, trimmed to [start, end), tokens counted on its text. */
export interface UnitSpan {
  first: number;
  last: number;
  start: number;
  end: number;
  tokens: number;
  text: string;
}

/** Trimmed text span of units first..last (`first` moved to the first unit with content), if any. */
function spanOf(text: string, u: TokenUnits, first: number, last: number): UnitSpan | undefined {
  let a = first;
  while (a <= last && u.contentStart[a] === -1) a++;
  let b = last;
  while (b >= a && u.contentStart[b] === -1) b--;
  if (a > b) return undefined;
  const start = u.contentStart[a]!;
  const end = u.end[b]!; // a unit with content ends with it: units are `\s*\S+`, or cut inside \S+
  const chunkText = text.slice(start, end);
  return { first: a, last, start, end, tokens: u.spans.count(start, end), text: chunkText };
}

/** First unit in [from, to) with content, or -1. */
function firstContent(u: TokenUnits, from: number, to: number): number {
  for (let k = from; k < to; k++) if (u.contentStart[k] !== -1) return k;
  return -1;
}

/** Largest j in [i, to) with units i..j within `limit` estimated tokens (at least i). */
function lastFitting(prefix: readonly number[], i: number, to: number, limit: number): number {
  let lo = i;
  let hi = to - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (prefix[mid + 1]! <= limit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function chooseCut(u: TokenUnits, i: number, j: number, minLast: number, rules: readonly CutRule[]): number {
  const base = u.prefix[i]!;
  for (const rule of rules) {
    for (let k = j; k >= minLast; k--) {
      if (u.prefix[k + 1]! - base < rule.minFill) break;
      if (u.kind[k]! >= rule.kind) return k;
    }
  }
  return j;
}

/**
 * First unit of the chunk after units i..k: far enough back that the repeated text holds at least
 * `overlap` tokens — counted on the real text, because the per-unit estimate can overstate what the
 * tokenizer produces for the joined text — and on a word boundary; always after i, so windows advance.
 */
function nextStart(text: string, u: TokenUnits, i: number, k: number, chunkEnd: number, overlap: number): number {
  if (overlap <= 0) return k + 1;
  const target = u.prefix[k + 1]! - overlap;
  let s = lastFitting(u.prefix, i, k + 1, target) + 1; // largest s with prefix[s] <= target
  if (u.prefix[s]! > target) s--;
  s = backToWord(u, Math.max(Math.min(s, k), i + 1), i + 1, overlap);
  for (;;) {
    // The next chunk is trimmed to its first non-whitespace character: count from there.
    let t = s;
    while (t < k && u.contentStart[t] === -1) t++;
    const from = u.contentStart[t]!;
    if (s <= i + 1 || s > k || from >= chunkEnd || u.spans.count(from, chunkEnd) >= overlap) return s;
    s = backToWord(u, s - 1, i + 1, overlap);
  }
}

/**
 * Moves a chunk start back to the start of its word, unless the word is long (unspaced scripts, hashes):
 * then a mid-word start costs less than repeating a large part of the previous chunk.
 */
function backToWord(u: TokenUnits, s: number, floor: number, overlap: number): number {
  const budget = Math.max(8, overlap / 2);
  for (let t = s; t >= floor && u.prefix[s]! - u.prefix[t]! <= budget; t--) {
    if (u.kind[t - 1]! >= BOUNDARY.WORD) return t;
  }
  return s;
}

/**
 * Splits units [from, to) into chunks of at most maxTokens tokens (checked on the exact text), cut by the
 * rules, consecutive chunks overlapping by about overlapTokens. Each chunk must reach at least one unit
 * with content past the previous chunk (`minLast`), so chunks always advance at both ends; when the
 * overlap leaves no room for that, the overlap gives way.
 */
export function windowUnits(text: string, u: TokenUnits, from: number, to: number, p: WindowParams): UnitSpan[] {
  const out: UnitSpan[] = [];
  let minLast = firstContent(u, from, to);
  let i = from;
  while (minLast !== -1) {
    // The overlap leaves no room for the next unit by the estimate; keep it when the real count has room.
    if (u.prefix[minLast + 1]! - u.prefix[i]! > p.maxTokens && spanOf(text, u, i, minLast)!.tokens > p.maxTokens) {
      i = firstFitting(u.prefix, i, minLast, p.maxTokens);
    }
    const j = Math.max(minLast, lastFitting(u.prefix, i, to, u.prefix[i]! + p.maxTokens));
    let k = j === to - 1 ? j : chooseCut(u, i, j, minLast, p.cutRules);
    let span = spanOf(text, u, i, k)!;
    // The estimate undercounted: drop about the excess from the end (or, at minLast, from the start).
    while (span.tokens > p.maxTokens) {
      if (k > minLast) {
        const excess = span.tokens - p.maxTokens;
        let dropped = 0;
        while (k > minLast && dropped < excess) {
          dropped += u.prefix[k + 1]! - u.prefix[k]!;
          k--;
        }
      } else {
        i = span.first + 1;
      }
      span = spanOf(text, u, i, k)!;
    }
    out.push(span);
    minLast = firstContent(u, k + 1, to);
    if (minLast !== -1) i = nextStart(text, u, span.first, k, span.end, p.overlapTokens);
  }
  return out;
}

/** Smallest i' >= i such that units i'..last hold at most maxTokens estimated tokens. */
function firstFitting(prefix: readonly number[], i: number, last: number, maxTokens: number): number {
  let lo = i;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (prefix[last + 1]! - prefix[mid]! <= maxTokens) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
