import { createHmac } from 'node:crypto';

// SHA-256 (FIPS 180-4) in JavaScript, for HMACs of short texts on the request path. OpenSSL's HMAC is as fast
// when warm, but a request at low concurrency finds its code and contexts cold: measured ~12–20 µs per
// createHmac call cold against ~8 µs for this function, and the gateway hashes every prompt and every answer.
// Long texts go to OpenSSL (faster per byte); both give the same digest, which the tests check.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const W = new Int32Array(64);

/** One 64-byte block at `off` into the state. */
function compress(st: Int32Array, b: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] = (b[j]! << 24) | (b[j + 1]! << 16) | (b[j + 2]! << 8) | b[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = st[0]!;
  let b1 = st[1]!;
  let c = st[2]!;
  let d = st[3]!;
  let e = st[4]!;
  let f = st[5]!;
  let g = st[6]!;
  let h = st[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b1) ^ (a & c) ^ (b1 & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b1;
    b1 = a;
    a = (t1 + t2) | 0;
  }
  st[0] = (st[0]! + a) | 0;
  st[1] = (st[1]! + b1) | 0;
  st[2] = (st[2]! + c) | 0;
  st[3] = (st[3]! + d) | 0;
  st[4] = (st[4]! + e) | 0;
  st[5] = (st[5]! + f) | 0;
  st[6] = (st[6]! + g) | 0;
  st[7] = (st[7]! + h) | 0;
}

const tail = new Uint8Array(128);

/**
 * Finishes a hash into `out`: `state` has consumed `before` bytes (a whole number of blocks); `data[0, len)`
 * follows, then the padding.
 */
function finish(state: Int32Array, before: number, data: Uint8Array, len: number, out: Int32Array): void {
  out.set(state);
  let off = 0;
  for (; off + 64 <= len; off += 64) compress(out, data, off);
  const rem = len - off;
  const n = rem < 56 ? 64 : 128;
  tail.fill(0, 0, n);
  tail.set(data.subarray(off, len));
  tail[rem] = 0x80;
  const bits = (before + len) * 8; // exact below 2^53
  const hi = Math.floor(bits / 0x100000000);
  tail[n - 8] = hi >>> 24;
  tail[n - 7] = hi >>> 16;
  tail[n - 6] = hi >>> 8;
  tail[n - 5] = hi;
  tail[n - 4] = bits >>> 24;
  tail[n - 3] = bits >>> 16;
  tail[n - 2] = bits >>> 8;
  tail[n - 1] = bits;
  compress(out, tail, 0);
  if (n === 128) compress(out, tail, 64);
}

const digest = Buffer.alloc(32);

/** The state as 64 hex digits: big-endian bytes into one buffer, then one flat string (not 32 joined pieces). */
function toHex(st: Int32Array): string {
  for (let i = 0; i < 8; i++) digest.writeInt32BE(st[i]!, i * 4);
  return digest.toString('hex');
}

/** Above this many UTF-16 units a text goes to OpenSSL: JS SHA-256 is ~5x slower per byte when warm. */
const JS_MAX_CHARS = 1024;
const encoder = new TextEncoder();

/**
 * A keyed HMAC-SHA256 (hex) function. The key's inner and outer pad blocks are compressed once, so a short
 * text costs two or three block compressions; texts over 1,024 characters use node:crypto.
 */
export function hmacSha256Hex(key: Buffer): (text: string) => string {
  const block = new Uint8Array(64);
  if (key.length > 64) throw new Error('HMAC keys over 64 bytes are not supported here');
  block.set(key);
  const pad = new Uint8Array(64);
  const inner = IV.slice();
  for (let i = 0; i < 64; i++) pad[i] = block[i]! ^ 0x36;
  compress(inner, pad, 0);
  const outer = IV.slice();
  for (let i = 0; i < 64; i++) pad[i] = block[i]! ^ 0x5c;
  compress(outer, pad, 0);
  const bytes = new Uint8Array(JS_MAX_CHARS * 3);
  const st = new Int32Array(8);
  const innerDigest = new Uint8Array(32);
  return (text) => {
    if (text.length > JS_MAX_CHARS) return createHmac('sha256', key).update(text, 'utf8').digest('hex');
    const { written } = encoder.encodeInto(text, bytes);
    finish(inner, 64, bytes, written, st);
    for (let i = 0; i < 8; i++) {
      const v = st[i]!;
      innerDigest[i * 4] = v >>> 24;
      innerDigest[i * 4 + 1] = v >>> 16;
      innerDigest[i * 4 + 2] = v >>> 8;
      innerDigest[i * 4 + 3] = v;
    }
    finish(outer, 64, innerDigest, 32, st);
    return toHex(st);
  };
}
