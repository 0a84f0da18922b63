import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/core/index.js';
import { BedrockReranker, closeBedrockAgentRuntimeClients, rerankModelArn } from '../../../src/providers/bedrock/index.js';
import { createReranker, LexicalCrossScorer, parseRerankerSpec } from '../../../src/rag/rerank/index.js';

function thrown(f: () => unknown): StrataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  }
  throw new Error('expected a StrataError');
}

describe('rerankModelArn', () => {
  it('builds a foundation-model ARN from a model id and the region', () => {
    expect(rerankModelArn('amazon.rerank-v1:0', 'us-west-2')).toBe('arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0');
    expect(rerankModelArn('cohere.rerank-v3-5:0', 'eu-central-1')).toBe('arn:aws:bedrock:eu-central-1::foundation-model/cohere.rerank-v3-5:0');
    expect(rerankModelArn('cohere.rerank-v3-5:0', 'us-gov-west-1')).toBe('arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/cohere.rerank-v3-5:0');
  });

  it('passes a full ARN through and rejects what is neither', () => {
    const arn = 'arn:aws:bedrock:ca-central-1::foundation-model/amazon.rerank-v1:0';
    expect(rerankModelArn(arn, 'us-east-1')).toBe(arn);
    for (const bad of ['arn:aws:s3:::bucket', 'rerank', 'amazon rerank', '']) {
      expect(thrown(() => rerankModelArn(bad, 'us-east-1')).code).toBe('invalid_request');
    }
    expect(thrown(() => rerankModelArn('amazon.rerank-v1:0', 'US East')).code).toBe('invalid_request');
  });
});

describe('parseRerankerSpec', () => {
  it('reads local, model ids, bedrock/ ids and ARNs', () => {
    expect(parseRerankerSpec('local')).toEqual({ provider: 'local' });
    expect(parseRerankerSpec('local/lexical')).toEqual({ provider: 'local' });
    expect(parseRerankerSpec('amazon.rerank-v1:0')).toEqual({ provider: 'bedrock', modelId: 'amazon.rerank-v1:0' });
    expect(parseRerankerSpec('bedrock/cohere.rerank-v3-5:0')).toEqual({ provider: 'bedrock', modelId: 'cohere.rerank-v3-5:0' });
    expect(parseRerankerSpec('arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0')).toEqual({
      provider: 'bedrock',
      modelId: 'arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0',
      region: 'us-west-2',
    });
  });

  it('rejects anything else with a hint', () => {
    const e = thrown(() => parseRerankerSpec('locl'));
    expect(e.code).toBe('invalid_request');
    expect(e.message).toMatch(/did you mean 'local'/);
    expect(thrown(() => parseRerankerSpec('arn:aws:bedrock:us-west-2:123456789012:agent/x')).code).toBe('invalid_request');
  });
});

describe('createReranker', () => {
  it('builds the local cross-scorer by default spec', () => {
    const r = createReranker({ provider: 'local' });
    expect(r).toBeInstanceOf(LexicalCrossScorer);
    expect(r.name).toBe('local/lexical');
  });

  it('builds a Bedrock reranker whose ARN follows the spec, the ARN or the environment', () => {
    const fromEnv = createReranker({ provider: 'bedrock', modelId: 'amazon.rerank-v1:0' }, { AWS_DEFAULT_REGION: 'ap-northeast-1' }) as BedrockReranker;
    expect(fromEnv.modelArn).toBe('arn:aws:bedrock:ap-northeast-1::foundation-model/amazon.rerank-v1:0');
    expect(fromEnv.name).toBe('amazon.rerank-v1:0');
    const fromSpec = createReranker({ provider: 'bedrock', modelId: 'amazon.rerank-v1:0', region: 'us-west-2' }, { AWS_REGION: 'eu-west-1' }) as BedrockReranker;
    expect(fromSpec.modelArn).toContain(':us-west-2::');
    const fromArn = createReranker(parseRerankerSpec('arn:aws:bedrock:eu-central-1::foundation-model/cohere.rerank-v3-5:0'), { AWS_REGION: 'us-east-1' }) as BedrockReranker;
    expect(fromArn.modelArn).toBe('arn:aws:bedrock:eu-central-1::foundation-model/cohere.rerank-v3-5:0');
    expect(fromArn.name).toBe('cohere.rerank-v3-5:0');
    closeBedrockAgentRuntimeClients();
  });
});
