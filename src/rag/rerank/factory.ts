import { StrataError, suggest } from '../../core/index.js';
import { BEDROCK_RERANK_MODELS, BedrockReranker, parseFoundationModelArn } from '../../providers/bedrock/index.js';
import { LexicalCrossScorer, LOCAL_LEXICAL_RERANKER } from './lexical-scorer.js';
import type { Reranker } from './types.js';

/** Which reranker to build. */
export type RerankerSpec =
  | { provider: 'local' }
  | { provider: 'bedrock'; modelId: string; region?: string; endpoint?: string };

type Env = Record<string, string | undefined>;

const LOCAL_NAMES = new Set(['local', LOCAL_LEXICAL_RERANKER]);
const BEDROCK_PREFIX = 'bedrock/';
const MODEL_ID = /^[a-z][a-z0-9-]*\.[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/**
 * Resolves what a user wrote ('local', 'local/lexical', 'amazon.rerank-v1:0', 'bedrock/cohere.rerank-v3-5:0',
 * a foundation-model ARN) into a spec; anything else is a StrataError naming the accepted forms.
 */
export function parseRerankerSpec(value: string): RerankerSpec {
  const v = value.trim();
  if (LOCAL_NAMES.has(v.toLowerCase())) return { provider: 'local' };
  const id = v.startsWith(BEDROCK_PREFIX) ? v.slice(BEDROCK_PREFIX.length) : v;
  if (id.startsWith('arn:')) {
    const arn = parseFoundationModelArn(id);
    if (arn === undefined) throw new StrataError('invalid_request', `'${id}' is not a Bedrock foundation-model ARN; expected arn:aws:bedrock:<region>::foundation-model/<rerank model id>.`);
    return { provider: 'bedrock', modelId: id, region: arn.region };
  }
  if (MODEL_ID.test(id)) return { provider: 'bedrock', modelId: id };
  const hint = suggest(v, ['local', ...BEDROCK_RERANK_MODELS]);
  throw new StrataError(
    'invalid_request',
    `Unknown reranker '${v}'${hint === undefined ? '' : ` (did you mean '${hint}'?)`}; use 'local' (the lexical cross-scorer), a Bedrock rerank model id (${BEDROCK_RERANK_MODELS.join(', ')}) or its ARN.`,
  );
}

/**
 * Builds a reranker. Bedrock's region comes from the spec, then AWS_REGION / AWS_DEFAULT_REGION in env (else
 * us-east-1); its endpoint from the spec, then STRATA_BEDROCK_ENDPOINT.
 */
export function createReranker(spec: RerankerSpec, env: Env = process.env): Reranker {
  if (spec.provider === 'local') return new LexicalCrossScorer();
  const arnRegion = spec.modelId.startsWith('arn:') ? parseFoundationModelArn(spec.modelId)?.region : undefined;
  const region = spec.region ?? arnRegion ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1';
  const endpoint = spec.endpoint ?? nonEmpty(env.STRATA_BEDROCK_ENDPOINT);
  // '' means "AWS's own endpoint": the env given here decides, not process.env.
  return new BedrockReranker({ modelId: spec.modelId, region, endpoint: endpoint ?? '' });
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
