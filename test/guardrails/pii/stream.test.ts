import { describe, expect, it } from 'vitest';
import { PiiDetector, PiiStreamRedactor, PseudonymTable, redactPii } from '../../../src/guardrails/pii/index.js';
import { generateLabelledSet } from '../../../src/guardrails/pii/eval/generator.js';
import { seededRandom } from '../../../src/core/index.js';

const detector = new PiiDetector();

/** Splits `text` into random deltas: mostly small (token-like), sometimes single characters or large blocks. */
function randomSplit(text: string, r: () => number): string[] {
  const parts: string[] = [];
  for (let at = 0; at < text.length;) {
    const x = r();
    const n = x < 0.3 ? 1 : x < 0.9 ? 1 + Math.floor(r() * 12) : 1 + Math.floor(r() * 600);
    parts.push(text.slice(at, at + n));
    at += n;
  }
  return parts;
}

function stream(parts: string[], mode: 'tag' | 'pseudonym'): string {
  const s = new PiiStreamRedactor(detector, { mode, pseudonyms: new PseudonymTable() });
  return parts.map((p) => s.push(p)).join('') + s.flush();
}

describe('PiiStreamRedactor', () => {
  // texts long enough that the redactor emits mid-stream, built from the labelled generator
  const docs = generateLabelledSet(240, 1234);
  const texts: string[] = [];
  for (let i = 0; i < docs.length; i += 12) texts.push(docs.slice(i, i + 12).map((d) => d.text).join(i % 24 === 0 ? '\n' : ' '));

  it('for random splits, emits exactly the non-streaming redaction and never an original PII value', () => {
    const r = seededRandom(99);
    for (const text of texts) {
      const findings = detector.detect(text);
      const values = findings.map((f) => text.slice(f.start, f.end)).filter((v) => v.length >= 6);
      for (const mode of ['tag', 'pseudonym'] as const) {
        const expected = redactPii(text, findings, { mode, pseudonyms: new PseudonymTable() });
        for (let trial = 0; trial < 3; trial++) {
          const out = stream(randomSplit(text, r), mode);
          expect(out).toBe(expected);
          for (const v of values) expect(out.includes(v)).toBe(false);
        }
      }
    }
  });

  it('emits text before the end of the stream (it does not buffer everything)', () => {
    const s = new PiiStreamRedactor(detector);
    let early = '';
    for (const word of texts[0]!.split(/(?<= )/)) early += s.push(word);
    expect(early.length).toBeGreaterThan(0);
    expect(early + s.flush()).toBe(redactPii(texts[0]!, detector.detect(texts[0]!)));
  });

  it('never splits an entity across a chunk boundary, even one character at a time', () => {
    const text = 'x '.repeat(400) + 'my card is 4111 1111 1111 1111 and mail jane@example.com ' + 'y '.repeat(400);
    const out = stream(text.split(''), 'tag');
    expect(out).toContain('my card is {CREDIT_DEBIT_CARD_NUMBER} and mail {EMAIL}');
    expect(out).not.toMatch(/4111|jane@/);
  });

  it('refuses input after flush', () => {
    const s = new PiiStreamRedactor();
    s.flush();
    expect(() => s.push('more')).toThrow(/after flush/);
  });
});
