/*
 * A small seeded generator of awkward documents for the chunking property tests: prose with
 * abbreviations and decimals, paragraphs, Markdown headings and code fences, accented Latin, CJK without
 * spaces, emoji (surrogate pairs and ZWJ sequences), long unspaced tokens (URLs, hex), runs of whitespace,
 * tabs and CRLF. Deterministic per seed so a failure names the seed that reproduces it.
 */

import { seededRandom } from '../../../src/core/index.js';

export { seededRandom };

const WORDS = (
  'the a of retrieval chunk token window overlap sentence paragraph model gateway latency budget tenant ' +
  'index vector search rerank answer citation embedding document page heading section café naïve Zürich ' +
  'résumé straße déjà-vu co-operate e.g. i.e. Dr. Mr. U.S. etc. 3.14 42 1,000 x86_64 API v2'
).split(' ');
const CJK = '日本語のテキストを分割します中文文本分块测试한국어문장입니다';
const EMOJI = ['🎉', '👨‍👩‍👧‍👦', '🇩🇪', '✓', '👍🏽', '∑', '😀'];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const TERMINATORS = ['.', '.', '.', '!', '?', '…', '."', '。'];

export interface TextOptions {
  /** rough length in UTF-16 units */
  length: number;
  /** include Markdown headings and code fences */
  markdown?: boolean;
  /** only prose words (default false): no CJK, emoji, URLs or blobs, as in a typical English document */
  proseOnly?: boolean;
}

/** A random document of about opts.length characters (see above). */
export function randomText(seed: number, opts: TextOptions): string {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const word = (): string => {
    const r = rnd();
    if (r < 0.82 || opts.proseOnly === true) return pick(WORDS);
    if (r < 0.88) return Array.from(CJK).slice(0, 1 + Math.floor(rnd() * 12)).join('');
    if (r < 0.93) return pick(EMOJI).repeat(1 + Math.floor(rnd() * 3));
    if (r < 0.97) return `https://example.com/${Math.floor(rnd() * 1e9).toString(36)}/path?q=${Math.floor(rnd() * 1e6)}`;
    if (r < 0.995) return Array.from({ length: 8 + Math.floor(rnd() * 60) }, () => Math.floor(rnd() * 16).toString(16)).join('');
    // One enormous "word" (a base64 blob), which forces mid-word cuts. Not a run of one repeated character:
    // js-tiktoken's BPE is quadratic on those (2,000 × "x" takes a second), which would only slow the tests.
    return Array.from({ length: 200 + Math.floor(rnd() * 2000) }, () => B64.charAt(Math.floor(rnd() * 64))).join('');
  };
  const space = (): string => {
    const r = rnd();
    if (r < 0.9) return ' ';
    if (r < 0.94) return '  ';
    if (r < 0.97) return '\t';
    return '\n';
  };
  const sentence = (): string => {
    const n = 1 + Math.floor(rnd() * 25);
    let s = '';
    for (let i = 0; i < n; i++) s += (i === 0 ? '' : space()) + word();
    s = s.charAt(0).toUpperCase() + s.slice(1);
    return s + pick(TERMINATORS);
  };
  const blocks: string[] = [];
  let size = 0;
  let depth = 0;
  while (size < opts.length) {
    let block: string;
    const r = rnd();
    if (opts.markdown === true && r < 0.15) {
      depth = Math.max(1, Math.min(6, depth + Math.floor(rnd() * 3) - 1));
      block = `${'#'.repeat(depth)} ${pick(WORDS)} ${pick(WORDS)}`;
    } else if (opts.markdown === true && r < 0.2) {
      block = '```\n# not a heading\n' + sentence() + '\n```';
    } else {
      const n = 1 + Math.floor(rnd() * 6);
      const sentences: string[] = [];
      for (let i = 0; i < n; i++) sentences.push(sentence());
      block = sentences.join(rnd() < 0.95 ? ' ' : '   ');
    }
    blocks.push(block);
    size += block.length;
  }
  const sep = (): string => {
    const r = rnd();
    if (r < 0.8) return '\n\n';
    if (r < 0.9) return '\r\n\r\n';
    if (r < 0.97) return '\n';
    return '\n \n\t\n' + ' '.repeat(Math.floor(rnd() * 300));
  };
  let text = rnd() < 0.2 ? '  \n' : '';
  blocks.forEach((b, i) => {
    text += (i === 0 ? '' : sep()) + b;
  });
  return text + (rnd() < 0.3 ? '\n\n  ' : '');
}
