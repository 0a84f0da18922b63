import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/core/index.js';
import { PiiDetector } from '../../../src/guardrails/pii/index.js';
import { generateLabelledSet } from '../../../src/guardrails/pii/eval/generator.js';
import { digitsOf } from '../../../src/guardrails/pii/validators.js';

// A Kelvin sign anywhere makes the detector skip its word-start index (literal positions, context-word stems) and
// search every context window and keyword the plain way: the reference the indexed fast paths must agree with.
const UNINDEXED_TAIL = `${' '.repeat(60)}\u212A`;

const detector = new PiiDetector();
const strip = (text: string, threshold?: number) => detector.detect(text, threshold);

describe('indexed fast paths agree with the plain searches', () => {
  it('on labelled texts joined into prompts, at two thresholds', () => {
    const pool = generateLabelledSet(300, 11).map((d) => d.text);
    const r = seededRandom(5);
    for (let k = 0; k < 60; k++) {
      let p = '';
      while (p.length < 1500) p += pool[Math.floor(r() * pool.length)]! + ' ';
      for (const threshold of [0.5, 0.2]) expect(strip(p + UNINDEXED_TAIL, threshold)).toEqual(strip(p, threshold));
    }
  });

  it('when context words touch the match or sit at the window edges', () => {
    const cases = [
      'social security\nnumber 228-66-7927', 'SSN228-66-7927', '228-66-7927ssn', 'card4111111111111111', '4111 1111 1111 1111card',
      'american express 3782 822463 10005', `order number${'x'.repeat(40)} 228 66 7927`, 'exp 03/27 on 04/29', 'valid thru 12/2030',
      'a/c 12345678901 savings', 'routing021000021', 'passport no: 123456789', 'numéro d\'assurance sociale 046 454 286',
      `my ${'y'.repeat(30)} card 4111 1111 1111 1111`, 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'ip address 192.168.1.20 version 1.2.3.4', 'Call me on 020 7946 0958 or text 07700 900123', 'ss#228-66-7927',
    ];
    for (const text of cases) {
      for (const threshold of [0.5, 0.2]) expect(strip(text + UNINDEXED_TAIL, threshold)).toEqual(strip(text, threshold));
    }
  });
});

describe('street addresses after numbers', () => {
  it('finds street lines and leaves numbers in prose alone', () => {
    const found = detector.detect('We processed 1,250 requests in 3 batches. We moved to 1213 Chestnut Street, Columbus, OH 43215 last month.');
    expect(found.filter((f) => f.type === 'ADDRESS')).toHaveLength(1);
    expect(detector.detect('Ship to 221B Baker Street, London NW1 6XE').some((f) => f.type === 'ADDRESS')).toBe(true);
  });
});

describe('digitsOf', () => {
  it('keeps only the digits, in order', () => {
    expect(digitsOf('+1 (415) 555-0132')).toBe('14155550132');
    expect(digitsOf('4111111111111111')).toBe('4111111111111111');
    expect(digitsOf('-12-')).toBe('12');
    expect(digitsOf('abc')).toBe('');
  });
});
