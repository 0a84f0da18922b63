import { createHash, createHmac, randomBytes } from 'node:crypto';

/** Keyed content hashing (HMAC-SHA256): lets logs correlate identical prompts without holding them. */
export class ContentHasher {
  readonly #key: Buffer;
  constructor(key: string | Buffer) {
    this.#key = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    if (this.#key.length < 16) throw new Error('hash key must be at least 16 bytes');
  }
  /** hex HMAC-SHA256 of the text */
  hash(text: string): string {
    return createHmac('sha256', this.#key).update(text, 'utf8').digest('hex');
  }
}

/** Plain SHA-256 hex (content addressing, not secrecy). */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A fresh 256-bit key, hex encoded. */
export function randomKeyHex(): string {
  return randomBytes(32).toString('hex');
}
