import { describe, expect, it } from 'vitest';
import { compileGlobs, matchesGlob } from '../../../src/rag/loaders/index.js';

describe('glob matcher', () => {
  const cases: [pattern: string, path: string, expected: boolean][] = [
    ['**/*.md', 'a.md', true],
    ['**/*.md', 'docs/guide/a.md', true],
    ['**/*.md', 'docs/a.mdx', false],
    ['*.md', 'a.md', true],
    ['*.md', 'docs/a.md', false], // anchored at the root, like minimatch without matchBase
    ['docs/*.md', 'docs/a.md', true],
    ['docs/*.md', 'docs/x/a.md', false],
    ['**/drafts/**', 'drafts/a.md', true],
    ['**/drafts/**', 'x/y/drafts/z/a.md', true],
    ['**/drafts/**', 'x/drafts.md', false],
    ['docs/**/a.md', 'docs/a.md', true],
    ['docs/**/a.md', 'docs/x/y/a.md', true],
    ['docs/**', 'docs/x/y/a.md', true],
    ['docs/**', 'docsx/a.md', false],
    ['**', 'any/thing.txt', true],
    ['file?.txt', 'file1.txt', true],
    ['file?.txt', 'file10.txt', false],
    ['file?.txt', 'file/.txt', false],
    ['**/*.{md,txt}', 'a/b.txt', true],
    ['**/*.{md,txt}', 'a/b.pdf', false],
    ['{src,lib/**}/*.ts', 'lib/x/y.ts', true],
    ['{src,lib/**}/*.ts', 'src/y.ts', true],
    ['{a,{b,c}}.md', 'c.md', true],
    ['[abc].md', 'b.md', true],
    ['[!abc].md', 'b.md', false],
    ['[!abc].md', 'd.md', true],
    ['[a-c]x', 'bx', true],
    ['a.b+(c)', 'a.b+(c)', true], // regex specials are literal
    ['a.b', 'aXb', false],
    ['./docs/*.md', 'docs/a.md', true],
    ['\\*.md', '*.md', true],
    ['\\*.md', 'a.md', false],
    ['**/*.md', 'über/é.md', true],
  ];
  it.each(cases)('%s vs %s → %s', (pattern, path, expected) => {
    expect(matchesGlob(path, pattern)).toBe(expected);
  });

  it('matches any of several patterns and nothing for none', () => {
    const m = compileGlobs(['**/*.md', 'notes/**']);
    expect(m('a/b.md')).toBe(true);
    expect(m('notes/x.pdf')).toBe(true);
    expect(m('x.pdf')).toBe(false);
    expect(compileGlobs([])('a.md')).toBe(false);
  });

  it('rejects an empty pattern and runaway brace expansion with a clear error', () => {
    expect(() => compileGlobs([''])).toThrow(/empty glob/i);
    expect(() => compileGlobs(['{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}'])).toThrow(/too many/);
  });
});
