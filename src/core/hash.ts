import { createHash, hash, randomBytes } from 'node:crypto';
import { hmacSha256Hex } from './sha256.js';

/** Keyed content hashing (HMAC-SHA256): lets logs correlate identical prompts without holding them. */
export class ContentHasher {
  readonly #hmac: (text: string) => string;
  constructor(key: string | Buffer) {
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    if (bytes.length < 16) throw new Error('hash key must be at least 16 bytes');
    // HMAC hashes a key longer than the block size first (RFC 2104)
    this.#hmac = hmacSha256Hex(bytes.length > 64 ? createHash('sha256').update(bytes).digest() : bytes);
  }
  /** hex HMAC-SHA256 of the text */
  hash(text: string): string {
    return this.#hmac(text);
  }
}

/** Plain SHA-256 hex (content addressing, not secrecy). One-shot: about half the cost of a Hash object. */
export function sha256Hex(data: string | Buffer): string {
  return hash('sha256', data, 'hex');
}

/** A fresh 256-bit key, hex encoded. */
export function randomKeyHex(): string {
  return randomBytes(32).toString('hex');
}
