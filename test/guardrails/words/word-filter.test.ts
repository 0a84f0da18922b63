import { describe, expect, it } from 'vitest';
import { PROFANITY, WordFilter, maskMatches } from '../../../src/guardrails/words/index.js';
import { caught } from '../../helpers/caught.js';

describe('WordFilter: custom words', () => {
  const filter = WordFilter.create({ words: ['ass', 'Project Falcon', 'c++', 'refund scam'] });

  it('matches on word boundaries only: "class", "assume" and "bass" do not match "ass"', () => {
    expect(filter.find('my class will assume the bass part')).toEqual([]);
    expect(filter.find('what an ass.')).toEqual([{ match: 'ass', start: 8, end: 11, type: 'CUSTOM' }]);
  });

  it('is case-insensitive and reports the text as written', () => {
    expect(filter.find('Tell me about PROJECT falcon')).toEqual([{ match: 'PROJECT falcon', start: 14, end: 28, type: 'CUSTOM' }]);
  });

  it('matches a phrase across any run of whitespace, including line breaks', () => {
    expect(filter.find('the refund \n   scam again').map((m) => m.match)).toEqual(['refund \n   scam']);
  });

  it('does not match a phrase split by other words, or a prefix of a longer word', () => {
    expect(filter.find('refund for a scam')).toEqual([]);
    expect(filter.find('Project Falconry')).toEqual([]);
  });

  it('handles entries ending in punctuation', () => {
    expect(filter.find('I write c++ daily').map((m) => m.match)).toEqual(['c++']);
  });

  it('does not apply leetspeak to custom words (a user term may contain digits)', () => {
    expect(filter.find('@ss')).toEqual([]);
  });

  it('masks matches, by default with one * per character, or with a replacement function', () => {
    expect(filter.mask('Project Falcon is an ass')).toBe('************** is an ***');
    expect(filter.mask('an ass', { replacement: (m) => `{${m.type}}` })).toBe('an {CUSTOM}');
    expect(maskMatches('no matches', [])).toBe('no matches');
  });
});

describe('WordFilter: managed profanity list', () => {
  const filter = WordFilter.create({ managedProfanity: true });

  it('ships a few hundred lowercase entries', () => {
    expect(PROFANITY.length).toBeGreaterThan(200);
    expect(PROFANITY.every((w) => w === w.toLowerCase())).toBe(true);
  });

  it('finds profanity with inflections and in phrases', () => {
    expect(filter.find('What the fuck, this is bullshit').map((m) => [m.match, m.type])).toEqual([
      ['fuck', 'PROFANITY'],
      ['bullshit', 'PROFANITY'],
    ]);
    expect(filter.find('son of a   bitch').map((m) => m.match)).toEqual(['son of a   bitch']);
  });

  it('catches stretched letters, leetspeak and look-alike letters', () => {
    expect(filter.find('fuuuuck').length).toBe(1);
    expect(filter.find('sh1t happens').map((m) => m.match)).toEqual(['sh1t']);
    expect(filter.find('you @ss').map((m) => m.match)).toEqual(['@ss']);
    expect(filter.find('ѕhit').length).toBe(1); // Cyrillic ѕ
  });

  it('leaves innocent words alone (Scunthorpe, cocktail, assassin, class, Dickens, cum laude)', () => {
    const text = 'Scunthorpe cocktail assassin classic Dickens graduated summa cum laude; the tit is a bird; pass the hoe';
    expect(filter.find(text)).toEqual([]);
  });

  it('reports custom and managed matches together, custom first for literal matches', () => {
    const both = WordFilter.create({ words: ['damn'], managedProfanity: true });
    expect(both.find('damn, shit').map((m) => m.type)).toEqual(['CUSTOM', 'PROFANITY']);
  });

  it('is off unless asked for', () => {
    expect(WordFilter.create({ words: ['x1'] }).find('shit')).toEqual([]);
  });

  it('scans a large text in one pass with a few thousand custom words', () => {
    const words = Array.from({ length: 5000 }, (_, i) => `term${i}`);
    const big = WordFilter.create({ words, managedProfanity: true });
    const text = 'ordinary words and numbers 12345 '.repeat(20_000) + ' term4999 ';
    expect(big.find(text).map((m) => m.match)).toEqual(['term4999']);
  });
});

describe('WordFilter: configuration errors', () => {
  it.each([
    [{ words: 'ass' }, /must be a list/],
    [{ words: [''] }, /words\[0\] is empty/],
    [{ words: ['ok', 7] }, /words\[1\] must be a string/],
    [{ words: ['x'.repeat(101)] }, /limit is 100/],
    [{ words: Array.from({ length: 10_001 }, (_, i) => `w${i}`) }, /at most 10000/],
    [{ managedProfanity: 'yes' }, /true or false/],
  ])('rejects %# with a config_invalid error', async (opts, message) => {
    const e = await caught(Promise.resolve().then(() => WordFilter.create(opts as never)));
    expect(e.code).toBe('config_invalid');
    expect(e.message).toMatch(message);
  });
});
