import { hash, randomBytes } from 'node:crypto';

/**
 * `strata-<id>-<secret>`: id is 16 lower-case hex characters (64 random bits, public, the primary key),
 * secret is 32 random bytes in base64url without padding (always 43 characters). The id has a fixed
 * length, so the secret may itself contain '-' and one regex still splits the two unambiguously.
 */
export const API_KEY_PATTERN = /^strata-([0-9a-f]{16})-([A-Za-z0-9_-]{43})$/;

/** The shape of a key as told to users; never includes a real secret. */
export const API_KEY_SHAPE = 'strata-<16 hex>-<43 chars>';

export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;

/** A freshly generated key and the parts that get stored. */
export interface GeneratedKey {
  id: string;
  key: string;
  /** hex SHA-256 of the secret part */
  secretHash: string;
}

/** A new random key; only its id and secretHash may be persisted. */
export function generateApiKey(): GeneratedKey {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `strata-${id}-${secret}`, secretHash: hashSecret(secret) };
}

/** Splits a key into id and secret, or undefined when it does not have the exact shape. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const m = API_KEY_PATTERN.exec(key);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/**
 * SHA-256 of the secret's characters. A 256-bit random secret cannot be guessed, so a slow password
 * hash would only add latency to every request. Hashing the text (not the decoded bytes) keeps the
 * one accepted spelling: base64url's last character has spare bits that would decode alike.
 */
export function hashSecret(secret: string): string {
  // hex output: a Buffer result measured four times slower; secrets are ASCII (API_KEY_PATTERN), so UTF-8 is latin1
  return hash('sha256', secret, 'hex');
}

/**
 * Constant-time comparison of two hex SHA-256 digests (false when the lengths differ): the time depends on
 * the length only, never on where the first difference is.
 */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
