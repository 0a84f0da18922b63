import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../../src/rag/chunking/index.js';

const sentences = (text: string): string[] => splitSentences(text).map((s) => text.slice(s.start, s.end));

describe('splitSentences', () => {
  it('ends sentences at . ! ? followed by whitespace and a capital, digit or quote', () => {
    expect(sentences('One fish. Two fish! Red fish? 4 fish. "Blue," he said.')).toEqual([
      'One fish.',
      'Two fish!',
      'Red fish?',
      '4 fish.',
      '"Blue," he said.',
    ]);
  });

  it('does not break after common abbreviations or initials', () => {
    expect(sentences('Dr. Smith met Mr. Jones in the U.S. Army, e.g. At noon. J. R. Tolkien wrote it.')).toEqual([
      'Dr. Smith met Mr. Jones in the U.S. Army, e.g. At noon.',
      'J. R. Tolkien wrote it.',
    ]);
  });

  it('does not break inside decimals, versions, URLs or before a lower-case word', () => {
    expect(sentences('Pi is 3.14 and v2.1 is out. see example.com for more. Done.')).toEqual([
      'Pi is 3.14 and v2.1 is out. see example.com for more.',
      'Done.',
    ]);
  });

  it('keeps closing quotes and brackets with the sentence they close', () => {
    expect(sentences('He said "stop." Then (quietly.) Everyone left.')).toEqual(['He said "stop."', 'Then (quietly.)', 'Everyone left.']);
  });

  it('breaks at blank lines and around Markdown headings, not at single newlines', () => {
    expect(sentences('# Title\nfirst line\ncontinues here\n\nnext paragraph without a stop\n## Sub\nbody')).toEqual([
      '# Title',
      'first line\ncontinues here',
      'next paragraph without a stop',
      '## Sub',
      'body',
    ]);
  });

  it('breaks after CJK terminators without whitespace, and is Unicode-safe', () => {
    const text = '日本語の文です。次の文！最後？ Émile arriva. Ça va? Ölçek 🎉 büyük.';
    expect(sentences(text)).toEqual(['日本語の文です。', '次の文！', '最後？', 'Émile arriva.', 'Ça va?', 'Ölçek 🎉 büyük.']);
  });

  it('returns trimmed spans with exact offsets that cover every non-whitespace character', () => {
    const text = '  Alpha beta.   Gamma!\n\n\tDelta?  ';
    const spans = splitSentences(text);
    expect(spans).toEqual([
      { start: 2, end: 13 },
      { start: 16, end: 22 },
      { start: 25, end: 31 },
    ]);
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences(' \n\t ')).toEqual([]);
  });
});
