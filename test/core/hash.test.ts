import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ContentHasher, seededRandom, sha256Hex } from '../../src/core/index.js';

// The JavaScript HMAC-SHA256 must give OpenSSL's digest for every length class of the padding (one or two
// final blocks, exact block boundaries), multi-byte text, keys of every size RFC 2104 distinguishes, and
// texts long enough to go to OpenSSL instead.
const LENGTHS = [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 500, 1023, 1024, 1025, 5000];

describe('ContentHasher (HMAC-SHA256)', () => {
  it('matches node:crypto for keys of 16, 32, 64 and 100 bytes and texts of every padding class', () => {
    for (const keyLength of [16, 32, 64, 100]) {
      const key = randomBytes(keyLength);
      const hasher = new ContentHasher(key);
      for (const n of LENGTHS) {
        for (const text of ['x'.repeat(n), 'é'.repeat(n), '😀'.repeat(Math.ceil(n / 2))]) {
          expect(hasher.hash(text), `key ${keyLength} B, ${text.length} chars`).toBe(createHmac('sha256', key).update(text, 'utf8').digest('hex'));
        }
      }
    }
  });

  it('matches node:crypto on random texts, and a string key is its UTF-8 bytes', () => {
    const rand = seededRandom(7);
    const key = 'a string key of some length, more than sixteen bytes';
    const hasher = new ContentHasher(key);
    for (let i = 0; i < 300; i++) {
      const len = Math.floor(rand() * 1200);
      let text = '';
      for (let j = 0; j < len; j++) text += String.fromCodePoint(rand() < 0.9 ? 32 + Math.floor(rand() * 95) : 0x400 + Math.floor(rand() * 2000));
      expect(hasher.hash(text)).toBe(createHmac('sha256', key).update(text, 'utf8').digest('hex'));
    }
  });

  it('refuses a key under 16 bytes', () => {
    expect(() => new ContentHasher('short')).toThrow(/at least 16 bytes/);
  });
});

describe('sha256Hex', () => {
  it('matches a node:crypto Hash object for strings and buffers', () => {
    for (const data of ['', 'abc', 'é'.repeat(300), Buffer.from([0, 1, 2, 255])]) {
      expect(sha256Hex(data)).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });
});
