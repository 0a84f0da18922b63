import { describe, expect, it } from 'vitest';
import { assertSafeRegex } from '../../src/guardrails/regex-safety.js';
import { StrataError } from '../../src/core/index.js';

const reason = (pattern: string, flags = ''): string => {
  try {
    assertSafeRegex(pattern, flags, 'guardrails.policies.p.words[0]');
    return 'accepted';
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    expect((e as StrataError).code).toBe('config_invalid');
    return (e as Error).message;
  }
};

describe('assertSafeRegex', () => {
  it('rejects invalid syntax, naming the pattern and where it was configured', () => {
    expect(reason('([a-z')).toMatch(/^guardrails\.policies\.p\.words\[0\]: the regex \/\(\[a-z\/ is not a valid JavaScript regular expression/);
    expect(reason('a{2,1}')).toMatch(/not a valid/);
  });

  it.each([
    ['(a+)+$', /nested quantifier '\(a\+\)\+'/],
    ['(x|x)*', /alternatives of '\(x\|x\)\*' can match the same text/],
    ['(a|aa)*b', /alternatives/],
    ['(\\w+\\s?)*$', /nested quantifier/],
    ['^(\\d+)*$', /nested quantifier/],
    ['(.*a){12}', /nested quantifier/],
    ['\\d+\\d+x', /adjacent quantifiers '\\d\+\\d\+'/],
    ['.*.*=', /adjacent quantifiers/],
    ['(?:a|b|ab)+c', /alternatives/],
  ])('rejects %s as prone to catastrophic backtracking', (pattern, why) => {
    const msg = reason(pattern);
    expect(msg).toContain(`/${pattern}/`);
    expect(msg).toMatch(/catastrophic backtracking/);
    expect(msg).toMatch(why);
  });

  it.each([
    'BK-\\d{6}', '(\\d+\\.)*\\d+', '[A-Z]{2}\\d{6}[A-D]', '(cat|dog)+s', '(ab|ac)+', '\\b(?:foo|bar)\\b', 'a+b+', '[a-z]+@[a-z]+\\.com',
    '(?<year>\\d{4})-(?<month>\\d{2})', '\\p{Lu}\\p{Ll}+',
  ])('accepts %s', (pattern) => {
    expect(reason(pattern, pattern.includes('\\p') ? 'u' : '')).toBe('accepted');
  });

  it('rejects empty patterns, patterns matching the empty string and bad flags', () => {
    expect(reason('')).toMatch(/is empty/);
    expect(reason('a*')).toMatch(/matches the empty string/);
    expect(reason('abc', 'y')).toMatch(/unsupported flags "y"/);
  });

  it('returns a global regex ready to scan with', () => {
    const re = assertSafeRegex('BK-\\d{6}', 'i', 'x');
    expect('bk-123456 and BK-654321'.match(re)).toEqual(['bk-123456', 'BK-654321']);
  });
});
