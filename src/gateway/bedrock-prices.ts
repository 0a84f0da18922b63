import type { ModelPrice } from './pricing.js';

/*
 * On-demand Bedrock prices in USD per million tokens, keyed by foundation model id (the base id that
 * cross-region inference profiles resolve to). Source: the Amazon Bedrock pricing page
 * (https://aws.amazon.com/bedrock/pricing/, us-east-1 on-demand rates, as cross-checked against
 * published rate tables in 2026-Q1/Q2), read 2026-11. The page quotes per 1,000 tokens; these are ×1000.
 *
 * Cross-region inference: "There's no additional charge for using cross-region inference and the price
 * is calculated basis the region you made the request in (source region)" — so a `us.`/`eu.`/`apac.`
 * profile costs exactly the base model's on-demand price. AWS lists a separate (about 10% lower than
 * geographic) `global.` rate only for Claude 4.5-generation and newer models; none of those is in this
 * table, because both of their rates could not be confirmed, so they are left to `pricing:` in strata.yaml.
 *
 * Claude prompt caching on Bedrock: cache write = 1.25 × input, cache read = 0.1 × input. Models without
 * a listed cache rate do not support prompt caching on Bedrock; see pricing.ts for how cache tokens are
 * then priced.
 *
 * Deliberately omitted (rates not confirmable from the sources above): Claude Sonnet 4.5 / Haiku 4.5 /
 * Opus 4.1+, Llama 3.2, Llama 3.1 405B, Nova Premier. Claude 3.5 Sonnet: some 2026 sources quote $6/$30
 * for "extended access"; the table keeps the standard on-demand rate AWS lists for the model id. Operators
 * on a different rate override it per model in strata.yaml.
 */
export const BEDROCK_PRICES: Readonly<Record<string, ModelPrice>> = {
  // Anthropic
  'anthropic.claude-3-haiku-20240307-v1:0': { input: 0.25, output: 1.25 },
  'anthropic.claude-3-5-haiku-20241022-v1:0': { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 },
  'anthropic.claude-3-5-sonnet-20240620-v1:0': { input: 3, output: 15 },
  'anthropic.claude-3-5-sonnet-20241022-v2:0': { input: 3, output: 15 },
  'anthropic.claude-3-7-sonnet-20250219-v1:0': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'anthropic.claude-sonnet-4-20250514-v1:0': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'anthropic.claude-opus-4-20250514-v1:0': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  // Amazon Nova (cached input is 75% off; Nova charges no separate cache-write rate)
  'amazon.nova-micro-v1:0': { input: 0.035, output: 0.14 },
  'amazon.nova-lite-v1:0': { input: 0.06, output: 0.24 },
  'amazon.nova-pro-v1:0': { input: 0.8, output: 3.2, cacheRead: 0.2 },
  // Meta Llama
  'meta.llama3-8b-instruct-v1:0': { input: 0.3, output: 0.6 },
  'meta.llama3-70b-instruct-v1:0': { input: 2.65, output: 3.5 },
  'meta.llama3-1-8b-instruct-v1:0': { input: 0.22, output: 0.22 },
  'meta.llama3-1-70b-instruct-v1:0': { input: 0.72, output: 0.72 },
  'meta.llama3-3-70b-instruct-v1:0': { input: 0.72, output: 0.72 },
  // Mistral
  'mistral.mistral-7b-instruct-v0:2': { input: 0.15, output: 0.2 },
  'mistral.mixtral-8x7b-instruct-v0:1': { input: 0.45, output: 0.7 },
  'mistral.mistral-large-2402-v1:0': { input: 4, output: 12 },
  'mistral.mistral-large-2407-v1:0': { input: 2, output: 6 },
  // Cohere
  'cohere.command-r-v1:0': { input: 0.5, output: 1.5 },
  'cohere.command-r-plus-v1:0': { input: 3, output: 15 },
  // Embeddings (input tokens only)
  'amazon.titan-embed-text-v2:0': { input: 0.02, output: 0 },
};
