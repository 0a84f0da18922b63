import { describe, expect, it } from 'vitest';
import { PseudonymTable, detectPii, redactPii } from '../../../src/guardrails/pii/index.js';

describe('redactPii', () => {
  it('replaces findings with {TYPE} tags', () => {
    const text = 'Email jane@example.com or call (415) 555-0132.';
    expect(redactPii(text, detectPii(text))).toBe('Email {EMAIL} or call {PHONE}.');
  });

  it('numbers pseudonyms per type, the same value getting the same pseudonym (case and spacing ignored)', () => {
    const text = 'Maria Gonzalez wrote to Peter Walsh. Later maria  gonzalez mailed maria@example.com and MARIA@example.com.';
    const findings = detectPii(text);
    // the lower-case mention is not detected as a name; pseudonymise it through an explicit finding
    const lowerStart = text.indexOf('maria  gonzalez');
    const all = [...findings, { type: 'NAME', start: lowerStart, end: lowerStart + 'maria  gonzalez'.length, score: 1 }].sort((a, b) => a.start - b.start);
    expect(redactPii(text, all, { mode: 'pseudonym' })).toBe('{NAME-1} wrote to {NAME-2}. Later {NAME-1} mailed {EMAIL-1} and {EMAIL-1}.');
  });

  it('shares one table between the input and the output of a request', () => {
    const table = new PseudonymTable();
    const input = 'Please summarise the complaint from Maria Gonzalez (maria@example.com).';
    const output = 'Maria Gonzalez is unhappy; reply to maria@example.com and copy Peter Walsh.';
    expect(redactPii(input, detectPii(input), { mode: 'pseudonym', pseudonyms: table })).toBe('Please summarise the complaint from {NAME-1} ({EMAIL-1}).');
    expect(redactPii(output, detectPii(output), { mode: 'pseudonym', pseudonyms: table })).toBe('{NAME-1} is unhappy; reply to {EMAIL-1} and copy {NAME-2}.');
    expect(table.restore('Thanks {NAME-1}, I wrote to {EMAIL-1}.')).toBe('Thanks Maria Gonzalez, I wrote to maria@example.com.');
  });

  it('card numbers written with different separators share a pseudonym', () => {
    const text = 'Card 4111 1111 1111 1111, also written 4111-1111-1111-1111.';
    expect(redactPii(text, detectPii(text), { mode: 'pseudonym' })).toBe('Card {CREDIT_DEBIT_CARD_NUMBER-1}, also written {CREDIT_DEBIT_CARD_NUMBER-1}.');
  });

  it('rejects overlapping findings and an unknown mode with actionable errors', () => {
    const f = [{ type: 'EMAIL', start: 0, end: 5, score: 1 }, { type: 'NAME', start: 3, end: 7, score: 1 }];
    expect(() => redactPii('abcdefgh', f)).toThrow(/overlap/);
    expect(() => redactPii('abc', [{ type: 'EMAIL', start: 0, end: 1, score: 1 }], { mode: 'mask' as 'tag' })).toThrow(/Unknown redaction mode/);
  });
});
