import type { Usage } from '../core/index.js';
import { describeBedrockModelId } from '../providers/bedrock/index.js';
import { BEDROCK_PRICES } from './bedrock-prices.js';

/** Prices in USD per million tokens. A missing cache rate means the input rate applies. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** What pricing needs from a configured model (structurally the validated strata.yaml entry). */
export interface PricedModelConfig {
  provider: string;
  id: string;
  pricing?: ModelPrice;
}

const FREE: ModelPrice = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });

/**
 * The cost of one call's usage. A model with no cache rate should never report cache tokens; if it
 * does, they are charged as ordinary input rather than silently dropped.
 */
export function costUsd(usage: Usage, price: ModelPrice): number {
  const micro =
    usage.inputTokens * price.input +
    usage.outputTokens * price.output +
    usage.cacheReadTokens * (price.cacheRead ?? price.input) +
    usage.cacheWriteTokens * (price.cacheWrite ?? price.input);
  return micro / 1_000_000;
}

/**
 * The on-demand price of a Bedrock model id, inference profile id or ARN; undefined when unknown
 * (including application inference profiles, whose base model the id does not reveal).
 */
export function bedrockPrice(modelId: string): ModelPrice | undefined {
  const info = describeBedrockModelId(modelId);
  if (info.kind === 'application-profile') return undefined;
  // Geographic and global profiles both map to the base rate: see bedrock-prices.ts for why.
  return BEDROCK_PRICES[info.baseModelId];
}

/**
 * A configured model's price, resolved once when the catalog is built: the config's `pricing` wins,
 * local models are free, Bedrock models come from the table, anything else is unpriced (undefined).
 */
export function resolvePrice(model: PricedModelConfig): ModelPrice | undefined {
  if (model.pricing) return model.pricing;
  if (model.provider === 'local') return FREE;
  if (model.provider === 'bedrock') return bedrockPrice(model.id);
  return undefined;
}
