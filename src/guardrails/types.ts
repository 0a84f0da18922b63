import type { EmbeddingInputType, EmbeddingModel } from '../core/index.js';
import { cosineSimilarity, createHashEmbeddingModel } from '../providers/local/index.js';

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
  return a.length === b.length ? cosineSimilarity(a, b) : 0;
}
