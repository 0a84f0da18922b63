import type { EmbeddingInputType, EmbeddingModel } from '../core/index.js';
import { createHashEmbeddingModel } from '../providers/local/index.js';

/**
 * Small types shared by the content checks (topics, words, prompt attacks, grounding). The checks take their
 * embedder as a plain function so the gateway can pass the route's embedding model, and tests a fake.
 */

/** Embeds texts; one vector per text, in order. */
export type EmbedFunction = (texts: string[], inputType: EmbeddingInputType) => Promise<Float32Array[]>;

/** Sends chat messages to a generative model and resolves to its text answer (for LLM-judge modes). */
export type JudgeChatFunction = (messages: { role: 'system' | 'user'; content: string }[]) => Promise<string>;

/** Adapts an EmbeddingModel (Bedrock, OpenAI-compatible, local) to the EmbedFunction the checks take. */
export function embedFunctionFor(model: EmbeddingModel): EmbedFunction {
  return async (texts, inputType) => (texts.length === 0 ? [] : (await model.embed({ texts, inputType })).vectors);
}

let localEmbed: EmbedFunction | undefined;

/** The default embedder: the local hashed-lexical-feature model (`local/hash-embed`), created once. */
export function localHashEmbed(): EmbedFunction {
  localEmbed ??= embedFunctionFor(createHashEmbeddingModel());
  return localEmbed;
}

/** Cosine similarity; 0 when the lengths differ or either vector is zero (never throws on a hot path). */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
