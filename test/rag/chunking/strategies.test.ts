import { describe, expect, it } from 'vitest';
import { countTokens } from '../../../src/core/index.js';
import { chunkDocument, type Chunk } from '../../../src/rag/chunking/index.js';
import { expectCoverage, expectWellFormed, overlapTokens } from './invariants.js';
import { randomText } from './random-text.js';

const MARKDOWN = `Intro paragraph before any heading.

# Install

General install notes.

## Linux

Use apt to install the package. ${'The Linux steps are long. '.repeat(30)}

## macOS ##

Use brew.

\`\`\`sh
# not a heading, a shell comment
brew install strata
\`\`\`

# Usage
## Basics
### First run

Run strata serve.
`;

const byText = (chunks: readonly Chunk[], needle: string): Chunk[] => chunks.filter((c) => c.text.includes(needle));

describe('recursive: Markdown heading paths', () => {
  const { chunks } = chunkDocument({ documentId: 'md', text: MARKDOWN }, { strategy: 'recursive', maxTokens: 64, overlapRatio: 0.15 });

  it('gives each chunk the heading titles above it and never crosses a section', () => {
    expectWellFormed(MARKDOWN, chunks, 'md');
    expectCoverage(MARKDOWN, chunks);
    expect(byText(chunks, 'Intro paragraph')[0]!.headingPath).toEqual([]);
    expect(byText(chunks, 'General install notes')[0]!.headingPath).toEqual(['Install']);
    const linux = byText(chunks, 'Linux steps');
    expect(linux.length).toBeGreaterThan(2); // the long section is split, and every part keeps its path
    for (const c of linux) expect(c.headingPath).toEqual(['Install', 'Linux']);
    expect(byText(chunks, 'Use brew')[0]!.headingPath).toEqual(['Install', 'macOS']); // closing #s dropped
    for (const c of chunks) expect(c.text.includes('Use apt') && c.text.includes('Use brew')).toBe(false);
  });

  it('treats # lines inside code fences as code, and folds heading-only sections into the nested one', () => {
    const fence = byText(chunks, 'not a heading')[0]!;
    expect(fence.headingPath).toEqual(['Install', 'macOS']);
    const firstRun = byText(chunks, 'Run strata serve')[0]!;
    expect(firstRun.headingPath).toEqual(['Usage', 'Basics', 'First run']);
    expect(firstRun.text.startsWith('# Usage\n## Basics\n### First run')).toBe(true);
  });

  it('overlaps consecutive chunks of one section by the configured tokens', () => {
    for (let i = 1; i < linux().length; i++) {
      expect(overlapTokens(MARKDOWN, linux()[i - 1]!, linux()[i]!)).toBeGreaterThanOrEqual(Math.round(0.15 * 64));
    }
    function linux(): Chunk[] {
      return byText(chunks, 'Linux steps');
    }
  });

  it('prefers paragraph ends to sentence ends when a section holds several paragraphs', () => {
    const paragraphs = Array.from({ length: 6 }, (_, i) => `Paragraph ${i} talks. It has two sentences of some length here.`);
    const text = paragraphs.join('\n\n');
    const { chunks: cs } = chunkDocument({ documentId: 'p', text }, { strategy: 'recursive', maxTokens: 40, overlapRatio: 0 });
    for (const c of cs.slice(0, -1)) expect(text.slice(c.end, c.end + 2)).toBe('\n\n');
  });
});

describe('fixed', () => {
  const sentence = (i: number): string => `Sentence number ${i} is about retrieval and chunk overlap.`;
  const text = Array.from({ length: 200 }, (_, i) => sentence(i)).join(' ');

  it('cuts at sentence ends when the window holds one in its last half', () => {
    const { chunks } = chunkDocument({ documentId: 'f', text }, { strategy: 'fixed', maxTokens: 64, overlapRatio: 0.15 });
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) expect(c.text.endsWith('.')).toBe(true);
  });

  it('really overlaps (LlamaIndex.TS token splitter regression): chunk n+1 repeats ~15% of chunk n', () => {
    const { chunks } = chunkDocument({ documentId: 'f', text }, { strategy: 'fixed' });
    expect(chunks.length).toBeGreaterThan(2);
    for (let i = 1; i < chunks.length; i++) {
      const repeated = overlapTokens(text, chunks[i - 1]!, chunks[i]!);
      expect(repeated).toBeGreaterThanOrEqual(Math.round(0.15 * 512));
      expect(repeated).toBeLessThan(0.15 * 512 + 20); // about the overlap, not most of the chunk
    }
  });

  it('defaults to 512 tokens and uses most of each window', () => {
    const { chunks } = chunkDocument({ documentId: 'f', text }, { strategy: 'fixed' });
    for (const c of chunks.slice(0, -1)) expect(c.tokenCount).toBeGreaterThan(256);
    for (const c of chunks) expect(c.tokenCount).toBeLessThanOrEqual(512);
  });

  it('cuts a word with no boundary inside it mid-word, as a last resort, with exact offsets', () => {
    const blob = 'Zq9'.repeat(3000);
    const doc = `Before. ${blob} after.`;
    const { chunks } = chunkDocument({ documentId: 'b', text: doc }, { strategy: 'fixed', maxTokens: 100, overlapRatio: 0.1 });
    expectWellFormed(doc, chunks, 'b');
    expectCoverage(doc, chunks);
    for (const c of chunks) expect(c.tokenCount).toBeLessThanOrEqual(100);
  });

  it('keeps offsets exact in text where tokens split multi-byte characters', () => {
    const doc = '👨‍👩‍👧‍👦 家族 🇯🇵 日本語のテキスト。'.repeat(200);
    const { chunks } = chunkDocument({ documentId: 'u', text: doc }, { strategy: 'fixed', maxTokens: 50, overlapRatio: 0.2 });
    expectWellFormed(doc, chunks, 'u');
    expectCoverage(doc, chunks);
    for (const c of chunks) expect(c.tokenCount).toBeLessThanOrEqual(50);
  });

  // speed (~0.2 s for 1 MB of prose here) belongs in bench/, not in a test: this one checks the result only
  it('chunks 1 MB of prose into well-formed chunks covering all of it', () => {
    const doc = randomText(7, { length: 1_000_000, proseOnly: true });
    const { chunks } = chunkDocument({ documentId: 'big', text: doc }, { strategy: 'fixed' });
    expect(chunks.length).toBeGreaterThan(500);
    expectWellFormed(doc, chunks, 'big');
    expectCoverage(doc, chunks);
  });
});

describe('pages', () => {
  const pages = ['First page text. It ends here.', 'Second page. More words on page two.', 'Third page closes the file.'];
  const text = pages.map((p) => `${p} ${p} ${p}`).join('\n\n');
  const pageStarts = [0, text.indexOf('Second'), text.indexOf('Third')];

  it('gives each chunk the page its start is on', () => {
    const { chunks } = chunkDocument({ documentId: 'pdf', text, pageStarts }, { strategy: 'fixed', maxTokens: 16, overlapRatio: 0 });
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      const expected = pageStarts.filter((s) => s <= c.start).length;
      expect(c.page).toBe(expected);
    }
    expect(chunks.find((c) => c.text.startsWith('Second'))?.page).toBe(2);
    expect(chunks.at(-1)!.page).toBe(3);
  });

  it('omits page without pageStarts and rejects unordered pageStarts', () => {
    expect(chunkDocument({ documentId: 'x', text }, { strategy: 'none' }).chunks[0]!.page).toBeUndefined();
    expect(() => chunkDocument({ documentId: 'x', text, pageStarts: [0, 40, 10] }, { strategy: 'none' })).toThrow(/pageStarts/);
  });
});

describe('hierarchical', () => {
  it('returns children of ~childTokens inside parents of ~parentTokens, linked by parentOrdinal', () => {
    const doc = randomText(3, { length: 40_000 });
    const { chunks, parents } = chunkDocument({ documentId: 'h', text: doc }, { strategy: 'hierarchical' });
    expect(parents!.length).toBeGreaterThan(3);
    for (const p of parents!) expect(p.tokenCount).toBeLessThanOrEqual(1500);
    for (const c of chunks) {
      const p = parents![c.parentOrdinal!]!;
      expect(c.tokenCount).toBeLessThanOrEqual(300);
      expect(c.start >= p.start && c.end <= p.end).toBe(true);
    }
    for (let p = 0; p < parents!.length; p++) expect(chunks.some((c) => c.parentOrdinal === p)).toBe(true);
    expect(parents!.every((p) => p.parentOrdinal === undefined)).toBe(true);
  });
});

describe('semantic', () => {
  const cooking = [
    'Boil the pasta in salted water until the pasta is tender.',
    'While the pasta boils, fry garlic in olive oil for the tomato sauce.',
    'Add crushed tomato to the garlic and simmer the sauce.',
    'Season the tomato sauce with basil, salt and pepper.',
    'Drain the pasta and toss the pasta with the sauce.',
    'Serve the pasta with grated cheese and fresh basil.',
  ];
  const astronomy = [
    'Through the telescope a planet crosses the night sky.',
    'Each planet follows an elliptical orbit around its star.',
    'The orbit of a distant planet takes years to complete.',
    'Astronomers measure the star brightness through the telescope.',
    'A dip in star brightness reveals a planet crossing the star.',
    'The telescope records many such transits every night.',
  ];
  const text = [...cooking, ...astronomy].join(' ');

  it('breaks between two topics with the default offline embedder', () => {
    const { chunks } = chunkDocument({ documentId: 's', text }, { strategy: 'semantic', maxTokens: 512 });
    expect(chunks.map((c) => c.text)).toEqual([cooking.join(' '), astronomy.join(' ')]);
  });

  it('uses a supplied embedder, and splits a group that exceeds maxTokens', () => {
    const topic = (s: string): Float32Array => Float32Array.from(/pasta|sauce|garlic|tomato|basil/i.test(s) ? [1, 0] : [0, 1]);
    const calls: number[] = [];
    const embed = (sentences: string[]): Float32Array[] => {
      calls.push(sentences.length);
      return sentences.map(topic);
    };
    const { chunks } = chunkDocument({ documentId: 's', text }, { strategy: 'semantic', maxTokens: 40, breakpointPercentile: 90 }, { embed });
    expect(calls).toEqual([12]);
    for (const c of chunks) expect(c.tokenCount).toBeLessThanOrEqual(40);
    expect(chunks.some((c) => c.text.includes('basil') && c.text.includes('telescope'))).toBe(false);
    expect(countTokens(cooking.join(' '))).toBeGreaterThan(40); // so the cooking group had to be split
    expect(chunks.filter((c) => /pasta|sauce/.test(c.text)).length).toBeGreaterThan(1);
  });

  it('rejects an embedder that returns the wrong number of vectors', () => {
    const embed = (): Float32Array[] => [new Float32Array(2)];
    expect(() => chunkDocument({ documentId: 's', text }, { strategy: 'semantic' }, { embed })).toThrow(/one per sentence/);
  });
});

describe('none', () => {
  it('returns the whole trimmed text as one chunk even when it exceeds every maximum', () => {
    const doc = `\n  ${'A long document sentence. '.repeat(2_000)}\n`;
    const { chunks } = chunkDocument({ documentId: 'n', text: doc }, { strategy: 'none' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toBe(doc.trim());
    expect(chunks[0]!.tokenCount).toBeGreaterThan(8192);
  });
});
