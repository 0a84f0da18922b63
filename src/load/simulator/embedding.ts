import { createHash } from 'node:crypto';

/**
 * A deterministic unit vector derived from a hash of the text: equal texts get equal vectors,
 * different texts near-orthogonal ones. Not semantic; it exercises the wire format and the plumbing.
 */
export function pseudoEmbedding(text: string, dimensions: number): number[] {
  const seed = createHash('sha256').update(text).digest();
  // xorshift32 seeded from the digest; cheap and stable across platforms
  let x = seed.readUInt32LE(0) || 0x9e3779b9;
  const out = new Array<number>(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const v = x / 0xffffffff - 0.5;
    out[i] = v;
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dimensions; i++) out[i] = out[i]! * scale;
  return out;
}
