import { describe, expect, it } from 'vitest';
import { countTokens } from '../../../src/core/index.js';
import { TokenSpans } from '../../../src/rag/chunking/token-spans.js';
import { randomText, seededRandom } from './random-text.js';

const AWKWARD = [
  'word next',
  'a  b\t c\n d\r\n e',
  'end. Next\n\nPara.\n Indented',
  "it's fine — isn't it? 12345 678 x86_64",
  'café naïve 日本語 テキスト 😀 👨‍👩‍👧‍👦 🇩🇪 done',
  '\u00a0 nbsp\u2003em space\u3000ideographic',
  ' leading and trailing ',
  'https://example.com/a?b=c ' + 'ABCD'.repeat(40) + ' tail',
  '   ',
  '',
];

describe('exact token counts of spans (TokenSpans)', () => {
  it('equals countTokens of the slice for every span of awkward texts', () => {
    for (const text of AWKWARD) {
      const spans = new TokenSpans(text);
      for (let a = 0; a <= text.length; a++) {
        for (let b = a; b <= text.length; b++) expect(spans.count(a, b), `${JSON.stringify(text)} [${a}, ${b})`).toBe(countTokens(text.slice(a, b)));
      }
    }
  });

  it('equals countTokens of the slice for random spans of random documents', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const text = randomText(seed, { length: 3000, markdown: seed % 2 === 0 });
      const spans = new TokenSpans(text);
      const rnd = seededRandom(seed * 7);
      for (let k = 0; k < 200; k++) {
        let a = Math.floor(rnd() * (text.length + 1));
        let b = Math.floor(rnd() * (text.length + 1));
        if (a > b) [a, b] = [b, a];
        expect(spans.count(a, b), `seed ${seed} [${a}, ${b})`).toBe(countTokens(text.slice(a, b)));
      }
      expect(spans.count(0, text.length)).toBe(countTokens(text));
      // offsets past either end read as slice reads them (the chunker passes -1 for "no content")
      for (const [a, b] of [[-1, 10], [-1, text.length], [-5, -1], [10, text.length + 5]] as const) expect(spans.count(a, b)).toBe(countTokens(text.slice(a, b)));
    }
  });
});
