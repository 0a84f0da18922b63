import { createHashEmbeddingModel } from '../../../src/providers/local/hash-embed.js';
import type { EmbeddingGateway } from '../../../src/rag/kb/index.js';

/**
 * An EmbeddingGateway for tests: local hash embeddings under several aliases (each its own dimension), counting
 * calls and texts per model, with hooks to fail a given call or hold calls until the test releases them.
 */
export class CountingGateway implements EmbeddingGateway {
  readonly calls: { model: string; texts: number; inputType?: string }[] = [];
  /** 1-based call number (over all models) that throws, once */
  failOnCall?: number;
  /** when set, a call waits until this many calls are waiting, then all of them go on together */
  releaseWhenWaiting?: number;
  inFlight = 0;
  maxInFlight = 0;
  private waiting: (() => void)[] = [];
  private readonly models = new Map([
    ['hash-embed', createHashEmbeddingModel()],
    ['hash-256', createHashEmbeddingModel({ dimensions: 256 })],
    ['hash-384b', createHashEmbeddingModel({ dimensions: 384 })],
  ]);

  textsFor(model: string, inputType = 'document'): number {
    return this.calls.filter((c) => c.model === model && c.inputType === inputType).reduce((s, c) => s + c.texts, 0);
  }

  async embed(req: Parameters<EmbeddingGateway['embed']>[0]): Promise<{ vectors: Float32Array[]; inputTokens: number }> {
    this.calls.push({ model: req.model, texts: req.input.length, inputType: req.inputType });
    if (this.failOnCall === this.calls.length) throw new Error('simulated embedder outage');
    const model = this.models.get(req.model);
    if (model === undefined) throw new Error(`unknown model ${req.model}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.releaseWhenWaiting !== undefined) {
        const gate = new Promise<void>((resolve) => this.waiting.push(resolve));
        if (this.waiting.length >= this.releaseWhenWaiting) {
          for (const go of this.waiting.splice(0)) go();
        }
        await gate;
      }
      const res = await model.embed({ texts: req.input, inputType: req.inputType });
      // a model of another dimension under the same hashing would be too similar: 'hash-384b' reverses the vector
      const vectors = req.model === 'hash-384b' ? res.vectors.map((v) => v.slice().reverse()) : res.vectors;
      return { vectors, inputTokens: res.usage.inputTokens };
    } finally {
      this.inFlight--;
    }
  }
}
