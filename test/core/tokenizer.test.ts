import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { describe, expect, it } from 'vitest';
import { countTokens, decodeTokens, encodeTokens, seededRandom } from '../../src/core/index.js';

const reference = new Tiktoken(cl100k);

const WORDS = ['the', 'The', 'tokenizer', "don't", "I'LL", 'naïve', 'café', 'Straße', '日本語のテキスト', '東京', 'Привет', 'مرحبا', 'नमस्ते', '😀', '👩‍💻', '🇫🇷', 'e\u0301', 'x86_64', 'https://example.com/a?b=c', '12345678', '3.14159', '$1,000', '#heading', '```ts', '<|endoftext|>', '\ud800', 'a\udc00b'];
const GAPS = [' ', '  ', '\n', '\n\n', ' \n ', '\t', '.', ', ', '!\n\n', '   \n\n  ', '—', '...', ''];

/** Varied text: words of many scripts, punctuation, whitespace runs, digits, emoji, lone surrogates, special-token text. */
function randomText(seed: number, parts: number, longRuns = true): string {
  const rand = seededRandom(seed);
  const gaps = longRuns ? GAPS : GAPS.filter((g) => g !== '');
  let s = '';
  for (let i = 0; i < parts; i++) {
    const r = rand();
    if (longRuns && r < 0.03) s += 'z'.repeat(1 + Math.floor(rand() * 200)); // long runs: the sliced path
    else if (longRuns && r < 0.05) s += ' '.repeat(1 + Math.floor(rand() * 90));
    else s += WORDS[Math.floor(rand() * WORDS.length)]!;
    s += gaps[Math.floor(rand() * gaps.length)]!;
  }
  return s;
}

describe('cl100k_base tokenizer', () => {
  it('encodes ordinary text to the same ids as js-tiktoken', () => {
    for (const text of ['', 'hello world', 'Hello, world! How are you?\n\nFine.', "It's 2024 — they'll see 1234567 items.", '  leading and trailing  ']) {
      expect(encodeTokens(text)).toEqual(reference.encode(text, [], []));
    }
  });

  it('agrees with js-tiktoken on random multilingual text (pieces up to 64 characters)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const text = randomText(seed, 120, false);
      expect(encodeTokens(text), `seed ${seed}`).toEqual(reference.encode(text, [], []));
    }
  });

  it('counts what it encodes, for texts short and long (the per-text memo included)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const text = randomText(seed, 20 + seed * 10);
      const n = encodeTokens(text).length;
      expect(countTokens(text), `seed ${seed}`).toBe(n);
      expect(countTokens(text), `seed ${seed}, memoised`).toBe(n);
      expect(countTokens(text.slice(1)), `seed ${seed}, a different string`).toBe(encodeTokens(text.slice(1)).length);
    }
  });

  it('round-trips text through encode and decode', () => {
    const text = 'Ingest → chunk → embed: naïve café, 東京, 😀 and <|endoftext|> as plain text.';
    expect(decodeTokens(encodeTokens(text))).toBe(text);
  });

  it('encodes a long run of one character in bounded time, in 64-character slices', () => {
    const run = 'a'.repeat(100_000);
    const slice = reference.encode('a'.repeat(64), [], []).length;
    const rest = reference.encode('a'.repeat(100_000 % 64), [], []).length;
    expect(countTokens(run)).toBe(Math.floor(100_000 / 64) * slice + rest);
    expect(encodeTokens(run)).toHaveLength(countTokens(run));
  });
});
