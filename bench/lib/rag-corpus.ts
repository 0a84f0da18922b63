// Deterministic synthetic text for the RAG benchmarks: English function words mixed with made-up content words
// (so BM25 has rare and common terms, and hash embeddings have varied features), in sentences and paragraphs.
import { seededRandom } from '../../src/core/index.js';

const FUNCTION_WORDS = ['the', 'of', 'and', 'to', 'in', 'is', 'that', 'for', 'on', 'with', 'as', 'by', 'from', 'at', 'this', 'which', 'or', 'an', 'be', 'are'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ter', 'san', 'vu', 'rho', 'pel', 'dax', 'qui', 'nor', 'bex', 'tal', 'fen', 'gro', 'zim', 'ast', 'ur', 'ol', 'cen'];

/** A vocabulary of `size` made-up content words. */
export function vocabulary(size: number, seed: number): string[] {
  const rand = seededRandom(seed);
  const words = new Set<string>();
  while (words.size < size) {
    const n = 2 + Math.floor(rand() * 3);
    words.add(Array.from({ length: n }, () => SYLLABLES[Math.floor(rand() * SYLLABLES.length)]).join(''));
  }
  return [...words];
}

/** A text generator: Zipf-like word choice (a few frequent words, a long tail), sentences of 8–20 words. */
export function textGenerator(vocab: string[], seed: number): (words: number) => string {
  const rand = seededRandom(seed);
  const pick = (): string => {
    if (rand() < 0.35) return FUNCTION_WORDS[Math.floor(rand() * FUNCTION_WORDS.length)]!;
    return vocab[Math.floor(vocab.length * rand() ** 2)]!; // squared: low indexes more often
  };
  return (words: number) => {
    const sentences: string[] = [];
    let left = words;
    while (left > 0) {
      const n = Math.min(left, 8 + Math.floor(rand() * 13));
      const s = Array.from({ length: n }, pick).join(' ');
      sentences.push(`${s[0]!.toUpperCase()}${s.slice(1)}.`);
      left -= n;
    }
    const paragraphs: string[] = [];
    for (let i = 0; i < sentences.length; i += 5) paragraphs.push(sentences.slice(i, i + 5).join(' '));
    return paragraphs.join('\n\n');
  };
}
