import { describe, expect, it } from 'vitest';
import { StrataError, countTokens } from '../../src/core/index.js';
import { cosineSimilarity, createHashEmbeddingModel } from '../../src/providers/local/index.js';

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

describe('local hash embeddings', () => {
  const model = createHashEmbeddingModel();

  it('is named honestly and defaults to 384 dimensions', () => {
    expect(model.provider).toBe('local');
    expect(model.modelId).toBe('hash-embed');
    expect(model.dimensions).toBe(384);
  });

  it('gives identical vectors for identical text, across calls and model instances', async () => {
    const text = 'Refunds are processed within five business days.';
    const a = (await model.embed({ texts: [text] })).vectors[0]!;
    const b = (await createHashEmbeddingModel().embed({ texts: ['other text first', text] })).vectors[1]!;
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('returns unit-length Float32Array vectors and counts input tokens', async () => {
    const texts = ['The quick brown fox.', 'Kubernetes schedules pods onto nodes.', 'ünïcödé wörds ønly'];
    const r = await model.embed({ texts });
    expect(r.vectors).toHaveLength(3);
    for (const v of r.vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(384);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(r.usage.inputTokens).toBe(texts.reduce((n, t) => n + countTokens(t), 0));
    expect(r.modelId).toBe('hash-embed');
  });

  it('scores similar texts above unrelated ones', async () => {
    const [q, similar, unrelated] = (
      await model.embed({
        texts: [
          'How do I reset my account password?',
          'To reset the password of your account, open settings and choose reset password.',
          'The orchestra performed a symphony by Beethoven last night.',
        ],
      })
    ).vectors;
    const sim = cosineSimilarity(q!, similar!);
    const unrel = cosineSimilarity(q!, unrelated!);
    expect(sim).toBeGreaterThan(0.3);
    expect(unrel).toBeLessThan(0.1);
    expect(sim).toBeGreaterThan(unrel + 0.25);
  });

  it('relates inflected forms and typos through character n-grams', async () => {
    const [a, b, c] = (await model.embed({ texts: ['configuring databases', 'database configuration', 'holiday weather forecast'] })).vectors;
    expect(cosineSimilarity(a!, b!)).toBeGreaterThan(cosineSimilarity(a!, c!) + 0.2);
  });

  it('gives different texts different vectors', async () => {
    const [a, b] = (await model.embed({ texts: ['cats chase mice', 'mice chase cats'] })).vectors;
    expect(Array.from(a!)).not.toEqual(Array.from(b!));
    // same words, different order: still very similar
    expect(cosineSimilarity(a!, b!)).toBeGreaterThan(0.7);
  });

  it('returns the zero vector for text without words', async () => {
    const [v] = (await model.embed({ texts: ['  ... !!! '] })).vectors;
    expect(norm(v!)).toBe(0);
    expect(cosineSimilarity(v!, v!)).toBe(0);
  });

  it('supports other dimensions, per model and per request', async () => {
    const small = createHashEmbeddingModel({ dimensions: 64 });
    expect(small.dimensions).toBe(64);
    expect((await small.embed({ texts: ['hello world'] })).vectors[0]!.length).toBe(64);
    const v = (await model.embed({ texts: ['hello world'], dimensions: 1024 })).vectors[0]!;
    expect(v.length).toBe(1024);
    expect(norm(v)).toBeCloseTo(1, 5);
  });

  it('rejects dimensions outside 8..8192 or not integers with invalid_request', async () => {
    for (const d of [0, 7, 8193, 100.5, Number.NaN]) {
      expect(() => createHashEmbeddingModel({ dimensions: d })).toThrow(StrataError);
    }
    try {
      createHashEmbeddingModel({ dimensions: 4 });
    } catch (e) {
      expect((e as StrataError).code).toBe('invalid_request');
      expect((e as StrataError).message).toContain('8');
    }
    await expect(model.embed({ texts: ['x'], dimensions: 9000 })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('cosineSimilarity rejects vectors of different lengths', () => {
    expect(() => cosineSimilarity(new Float32Array(3), new Float32Array(4))).toThrow(StrataError);
  });
});
