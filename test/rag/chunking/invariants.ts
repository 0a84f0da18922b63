import { expect } from 'vitest';
import { countTokens } from '../../../src/core/index.js';
import type { Chunk } from '../../../src/rag/chunking/index.js';

/*
 * Invariants every chunking strategy must keep, checked on any document.
 *
 * Overlap, precisely: for consecutive chunks a, b the overlap is countTokens(doc.slice(b.start, a.end)),
 * the tokens of the text b repeats from a. It must be at least min(O, R) where O = round(overlapRatio ×
 * maxTokens) and R = the tokens of a after its first word. R is the one-unit slack: b must start after
 * a.start (else windows would not advance), so when a is short — its next word was too large to fit, as
 * happens with maxTokens 16 and a URL — b can repeat at most a minus its first word. In every other case
 * the full O is required: the chunker counts the repeated text on the real tokenizer before committing.
 */

/** text === doc.slice(start, end), exact token counts, consecutive ordinals from 0, no split surrogate pairs. */
export function expectWellFormed(doc: string, chunks: readonly Chunk[], documentId: string): void {
  chunks.forEach((c, i) => {
    expect(c.ordinal).toBe(i);
    expect(c.documentId).toBe(documentId);
    expect(c.start).toBeLessThan(c.end);
    expect(c.text).toBe(doc.slice(c.start, c.end));
    expect(c.tokenCount).toBe(countTokens(c.text));
    // Chunks are trimmed: no leading or trailing whitespace.
    expect(/^\s|\s$/u.test(c.text)).toBe(false);
    for (const at of [c.start, c.end]) {
      const before = doc.charCodeAt(at - 1);
      const isHighSurrogate = before >= 0xd800 && before <= 0xdbff;
      expect(isHighSurrogate && at < doc.length, `offset ${at} splits a surrogate pair`).toBe(false);
    }
  });
}

export function expectWithinMax(chunks: readonly Chunk[], maxTokens: number): void {
  for (const c of chunks) expect(c.tokenCount, `chunk ${c.ordinal} has ${c.tokenCount} > ${maxTokens} tokens`).toBeLessThanOrEqual(maxTokens);
}

/** Every non-whitespace UTF-16 unit of doc lies inside at least one chunk. */
export function expectCoverage(doc: string, chunks: readonly Chunk[]): void {
  const depth = new Int32Array(doc.length + 1);
  for (const c of chunks) {
    depth[c.start]! += 1;
    depth[c.end]! -= 1;
  }
  let open = 0;
  for (let i = 0; i < doc.length; i++) {
    open += depth[i]!;
    if (open === 0 && /\S/u.test(doc.charAt(i))) {
      throw new Error(`offset ${i} (${JSON.stringify(doc.slice(Math.max(0, i - 20), i + 20))}) is in no chunk`);
    }
  }
}

/** Tokens that b repeats from a (0 when they do not overlap). */
export function overlapTokens(doc: string, a: Chunk, b: Chunk): number {
  return b.start < a.end ? countTokens(doc.slice(b.start, a.end)) : 0;
}

/** Consecutive chunks overlap by at least `overlap` tokens (and b starts after a, so windows advance). */
export function expectOverlap(doc: string, a: Chunk, b: Chunk, overlap: number): void {
  expect(b.start).toBeGreaterThan(a.start);
  expect(b.end).toBeGreaterThan(a.end);
  if (overlap === 0) {
    expect(b.start).toBeGreaterThanOrEqual(a.end);
    return;
  }
  const firstWord = /^\S+\s*/u.exec(a.text)![0].length;
  const required = Math.min(overlap, countTokens(a.text.slice(firstWord)));
  if (required === 0) return;
  expect(b.start, `chunk ${b.ordinal} must start before chunk ${a.ordinal} ends`).toBeLessThan(a.end);
  expect(overlapTokens(doc, a, b), `overlap between chunks ${a.ordinal} and ${b.ordinal}`).toBeGreaterThanOrEqual(required);
}
