import { describe, expect, it } from 'vitest';
import { jsonString, recordJson, seededRandom } from '../../src/core/index.js';

describe('jsonString', () => {
  it('writes exactly what JSON.stringify writes, for plain names and for every character that needs escaping', () => {
    const fixed = ['', 'inv_01m8c7ckmrnfky2aqt94dpkvf4', 'a'.repeat(64), 'claude "haiku"', 'back\\slash', 'tab\there', 'new\nline', '\u0000', '\u001f', '\u007f', 'é', '😀', '\ud800', '\u2028', 'x'.repeat(97), `${'y'.repeat(95)}"`];
    for (const s of fixed) expect(jsonString(s), JSON.stringify(s)).toBe(JSON.stringify(s));
    const rand = seededRandom(3);
    const alphabet = ['a', 'Z', '0', '_', '-', '.', ':', ' ', '"', '\\', '/', '\n', '\u0001', '\u007e', '\u007f', 'é', '\ud83d', '\ude00'];
    for (let n = 0; n < 2000; n++) {
      let s = '';
      const length = Math.floor(rand() * 120);
      for (let i = 0; i < length; i++) s += alphabet[Math.floor(rand() * alphabet.length)]!;
      expect(jsonString(s), JSON.stringify(s)).toBe(JSON.stringify(s));
    }
  });

  it('writes a tag record as JSON.stringify does, empty or not', () => {
    const records: Record<string, string>[] = [{}, { feature: 'chat' }, { feature: 'chat', segment: 'a "b"' }];
    for (const r of records) expect(recordJson(r)).toBe(JSON.stringify(r));
  });
});
