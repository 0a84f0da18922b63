import { describe, expect, it } from 'vitest';
import { chunkDocument, type Chunk, type ChunkingConfig } from '../../../src/rag/chunking/index.js';
import { expectCoverage, expectOverlap, expectWellFormed, expectWithinMax } from './invariants.js';
import { randomText, seededRandom } from './random-text.js';

const SIZES = [0, 40, 300, 2_000, 12_000];
const MAX_TOKENS = [16, 24, 40, 64, 128, 512];
const OVERLAPS = [0, 0.1, 0.15, 0.3, 0.5];
const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

interface Case {
  seed: number;
  doc: string;
  maxTokens: number;
  overlapRatio: number;
}

/** One document and config per seed, varied by the seed itself so that failures reproduce. */
function caseFor(seed: number, markdown: boolean): Case {
  const rnd = seededRandom(seed * 7919);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  return { seed, doc: randomText(seed, { length: pick(SIZES), markdown }), maxTokens: pick(MAX_TOKENS), overlapRatio: pick(OVERLAPS) };
}

/** A heading line starts the chunk: recursive chunks never cross a section, so none overlaps the one before. */
function startsSection(c: Chunk): boolean {
  return /^#{1,6}(?:[ \t]|$)/.test(c.text);
}

describe('chunking invariants on random documents', () => {
  it.each(SEEDS)('fixed, seed %i: max size, exact offsets, full coverage, real overlap', (seed) => {
    const { doc, maxTokens, overlapRatio } = caseFor(seed, false);
    const { chunks } = chunkDocument({ documentId: `d${seed}`, text: doc }, { strategy: 'fixed', maxTokens, overlapRatio });
    expectWellFormed(doc, chunks, `d${seed}`);
    expectWithinMax(chunks, maxTokens);
    expectCoverage(doc, chunks);
    const overlap = Math.round(overlapRatio * maxTokens);
    for (let i = 1; i < chunks.length; i++) expectOverlap(doc, chunks[i - 1]!, chunks[i]!, overlap);
  });

  it.each(SEEDS)('recursive, seed %i: same invariants; overlap within each Markdown section', (seed) => {
    const { doc, maxTokens, overlapRatio } = caseFor(seed, true);
    const { chunks } = chunkDocument({ documentId: 'r', text: doc }, { strategy: 'recursive', maxTokens, overlapRatio });
    expectWellFormed(doc, chunks, 'r');
    expectWithinMax(chunks, maxTokens);
    expectCoverage(doc, chunks);
    const overlap = Math.round(overlapRatio * maxTokens);
    for (let i = 1; i < chunks.length; i++) {
      const [a, b] = [chunks[i - 1]!, chunks[i]!];
      if (startsSection(b) && b.start >= a.end) continue;
      expectOverlap(doc, a, b, overlap);
    }
  });

  it.each(SEEDS)('hierarchical, seed %i: children within max and inside their parent; parents cover the text', (seed) => {
    const { doc, maxTokens, overlapRatio } = caseFor(seed, seed % 2 === 0);
    const childTokens = Math.min(maxTokens, 256);
    const parentTokens = childTokens * (2 + (seed % 4));
    const { chunks, parents } = chunkDocument({ documentId: 'h', text: doc }, { strategy: 'hierarchical', parentTokens, childTokens, overlapRatio });
    expect(parents).toBeDefined();
    expectWellFormed(doc, parents!, 'h');
    expectWithinMax(parents!, parentTokens);
    expectCoverage(doc, parents!);
    expectWellFormed(doc, chunks, 'h');
    expectWithinMax(chunks, childTokens);
    expectCoverage(doc, chunks);
    const overlap = Math.round(overlapRatio * childTokens);
    chunks.forEach((c, i) => {
      const parent = parents![c.parentOrdinal!]!;
      expect(c.start).toBeGreaterThanOrEqual(parent.start);
      expect(c.end).toBeLessThanOrEqual(parent.end);
      const prev = chunks[i - 1];
      if (prev === undefined) return expect(c.parentOrdinal).toBe(0);
      expect(c.parentOrdinal! - prev.parentOrdinal!).toBeGreaterThanOrEqual(0);
      expect(c.parentOrdinal! - prev.parentOrdinal!).toBeLessThanOrEqual(1);
      if (c.parentOrdinal === prev.parentOrdinal) expectOverlap(doc, prev, c, overlap);
    });
    for (let p = 1; p < parents!.length; p++) expectOverlap(doc, parents![p - 1]!, parents![p]!, Math.round(overlapRatio * parentTokens));
  });

  it.each(SEEDS)('semantic, seed %i: groups within max, in order, no overlap, full coverage', (seed) => {
    const { doc, maxTokens } = caseFor(seed, false);
    const breakpointPercentile = [50, 80, 95, 100][seed % 4]!;
    const { chunks } = chunkDocument({ documentId: 's', text: doc }, { strategy: 'semantic', maxTokens, breakpointPercentile });
    expectWellFormed(doc, chunks, 's');
    expectWithinMax(chunks, maxTokens);
    expectCoverage(doc, chunks);
    for (let i = 1; i < chunks.length; i++) expectOverlap(doc, chunks[i - 1]!, chunks[i]!, 0);
  });

  it.each(SEEDS.slice(0, 10))('none, seed %i: one trimmed chunk holding all the text, even over any maximum', (seed) => {
    const doc = randomText(seed, { length: 5_000 });
    const { chunks } = chunkDocument({ documentId: 'n', text: doc }, { strategy: 'none' });
    expect(chunks).toHaveLength(1);
    expectWellFormed(doc, chunks, 'n');
    expect(chunks[0]!.text).toBe(doc.trim());
  });

  it('large overlap ratios still terminate and keep every other invariant', () => {
    const doc = randomText(99, { length: 6_000 });
    for (const overlapRatio of [0.75, 0.9, 0.99]) {
      const config: ChunkingConfig = { strategy: 'fixed', maxTokens: 32, overlapRatio };
      const { chunks } = chunkDocument({ documentId: 'o', text: doc }, config);
      expectWellFormed(doc, chunks, 'o');
      expectWithinMax(chunks, 32);
      expectCoverage(doc, chunks);
      for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBeGreaterThan(chunks[i - 1]!.start);
    }
  });

  it.each(['fixed', 'recursive', 'hierarchical', 'semantic', 'none'] as const)('%s: empty and whitespace-only documents have no chunks', (strategy) => {
    for (const text of ['', ' ', '\n\n\t  \r\n']) {
      expect(chunkDocument({ documentId: 'e', text }, { strategy }).chunks).toEqual([]);
    }
  });
});
