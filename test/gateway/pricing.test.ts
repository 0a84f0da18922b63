import { describe, expect, it } from 'vitest';
import { emptyUsage, type Usage } from '../../src/core/index.js';
import { parseConfig } from '../../src/config/index.js';
import { ModelCatalog, bedrockPrice, costUsd, resolvePrice } from '../../src/gateway/index.js';
import { BEDROCK_PRICES } from '../../src/gateway/bedrock-prices.js';

const usage = (u: Partial<Usage>): Usage => ({ ...emptyUsage(), ...u });
const SONNET_V2 = 'anthropic.claude-3-5-sonnet-20241022-v2:0';

describe('costUsd', () => {
  it('prices Claude 3.5 Sonnet v2 through a us. cross-region profile exactly as on-demand in the source region', () => {
    const viaProfile = bedrockPrice(`us.${SONNET_V2}`)!;
    expect(viaProfile).toEqual(bedrockPrice(SONNET_V2));
    // 1000 × $3/M + 500 × $15/M
    expect(costUsd(usage({ inputTokens: 1000, outputTokens: 500 }), viaProfile)).toBeCloseTo(0.0105, 12);
    // not 10% off or on, the LiteLLM mispricing this guards against
    expect(costUsd(usage({ inputTokens: 1_000_000 }), viaProfile)).toBe(3);
  });

  it('prices cache reads and writes at their own rates (Claude 3.5 Haiku)', () => {
    const p = bedrockPrice('anthropic.claude-3-5-haiku-20241022-v1:0')!;
    // 2000×0.8 + 100×4 + 10000×0.08 + 4000×1 = 6800 µ$
    expect(costUsd(usage({ inputTokens: 2000, outputTokens: 100, cacheReadTokens: 10_000, cacheWriteTokens: 4000 }), p)).toBeCloseTo(0.0068, 12);
  });

  it('prices Amazon Nova Pro through an eu. profile and an inference-profile ARN', () => {
    const base = bedrockPrice('amazon.nova-pro-v1:0')!;
    expect(bedrockPrice('eu.amazon.nova-pro-v1:0')).toEqual(base);
    expect(bedrockPrice('arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0')).toEqual(base);
    // 10000×0.8 + 2000×3.2 = 14400 µ$
    expect(costUsd(usage({ inputTokens: 10_000, outputTokens: 2000 }), base)).toBeCloseTo(0.0144, 12);
  });

  it('charges cache tokens as input when a model has no cache rate', () => {
    expect(costUsd(usage({ cacheReadTokens: 1_000_000 }), { input: 2, output: 8 })).toBe(2);
  });

  it('leaves unknown models and application inference profiles unpriced', () => {
    expect(bedrockPrice('anthropic.claude-made-up-v9:0')).toBeUndefined();
    expect(bedrockPrice('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123')).toBeUndefined();
  });

  it('has no negative or non-finite rates in the table', () => {
    for (const [id, p] of Object.entries(BEDROCK_PRICES)) {
      for (const v of [p.input, p.output, p.cacheRead ?? 0, p.cacheWrite ?? 0]) {
        expect(Number.isFinite(v) && v >= 0, id).toBe(true);
      }
    }
  });
});

describe('resolvePrice', () => {
  it('makes local models free, openai models unpriced unless configured, and lets config win over the table', () => {
    expect(costUsd(usage({ inputTokens: 5000, outputTokens: 5000 }), resolvePrice({ provider: 'local', id: 'extractive' })!)).toBe(0);
    expect(resolvePrice({ provider: 'openai', id: 'gpt-4o-mini' })).toBeUndefined();
    expect(resolvePrice({ provider: 'openai', id: 'gpt-4o-mini', pricing: { input: 0.15, output: 0.6 } })).toEqual({ input: 0.15, output: 0.6 });
    const override = resolvePrice({ provider: 'bedrock', id: `us.${SONNET_V2}`, pricing: { input: 6, output: 30 } })!;
    expect(costUsd(usage({ inputTokens: 1000, outputTokens: 500 }), override)).toBeCloseTo(0.021, 12);
  });

  it('resolves each model once into the catalog from strata.yaml', () => {
    const config = parseConfig(
      `
models:
  sonnet: { provider: bedrock, id: us.${SONNET_V2}, region: us-east-1 }
  cheap: { provider: bedrock, id: us.${SONNET_V2}, region: us-east-1, pricing: { input: 1, output: 2, cacheRead: 0.1 } }
  gpt: { provider: openai, id: gpt-4o-mini, endpoint: "http://127.0.0.1:1/v1" }
  local: { provider: local, id: extractive }
routes: {}
`,
      'test',
    );
    const catalog = new ModelCatalog(config, () => ({}));
    expect(catalog.model('sonnet')!.price).toEqual({ input: 3, output: 15 });
    expect(catalog.model('cheap')!.price).toEqual({ input: 1, output: 2, cacheRead: 0.1 });
    expect(catalog.model('gpt')!.price).toBeUndefined();
    expect(catalog.model('local')!.price).toMatchObject({ input: 0, output: 0 });
  });

  it('rejects negative prices and unknown pricing fields in strata.yaml', () => {
    expect(() => parseConfig('models:\n  m: { provider: openai, id: x, endpoint: "http://127.0.0.1:1/v1", pricing: { input: -1, output: 2 } }\n', 'test')).toThrow(/pricing\.input: must be ≥ 0/);
    expect(() => parseConfig('models:\n  m: { provider: openai, id: x, endpoint: "http://127.0.0.1:1/v1", pricing: { input: 1, output: 2, perRequest: 3 } }\n', 'test')).toThrow(/perRequest/);
  });
});
