import { StrataError, type ChatModel, type EmbeddingModel } from '../core/index.js';
import { createBedrockChatModel, createBedrockEmbeddingModel, createCohereEmbeddingModel, isCohereEmbedModel } from './bedrock/index.js';
import { createHashEmbeddingModel, createLocalExtractiveModel } from './local/index.js';
import { createOpenAIChatModel, createOpenAIEmbeddingModel } from './openai/index.js';

/** What the registry needs of one configured model (a `models:` entry of strata.yaml). */
export interface ProviderModelConfig {
  provider: string;
  id: string;
  /** filled in by config validation (inferred from the id when the file leaves it out) */
  type: 'chat' | 'embedding';
  region?: string;
  endpoint?: string;
  apiKeyEnv?: string;
  dimensions?: number;
}

/** Builds the provider object for a configured model: a chat model or an embedding model. */
export function createProviderModel(
  alias: string,
  m: ProviderModelConfig,
  env: NodeJS.ProcessEnv = process.env,
): { chat?: ChatModel; embedding?: EmbeddingModel } {
  const type = m.type;
  switch (m.provider) {
    case 'local':
      if (m.id === 'extractive' && type === 'chat') return { chat: createLocalExtractiveModel() };
      if (m.id === 'hash-embed' && type === 'embedding') return { embedding: createHashEmbeddingModel({ dimensions: m.dimensions }) };
      throw new StrataError('config_invalid', `models.${alias}: the local provider has 'extractive' (chat) and 'hash-embed' (embedding), not '${m.id}'.`);
    case 'bedrock':
      if (type === 'embedding' && isCohereEmbedModel(m.id)) {
        return { embedding: createCohereEmbeddingModel({ modelId: m.id, region: m.region, endpoint: m.endpoint ?? env.STRATA_BEDROCK_ENDPOINT, dimensions: m.dimensions }) };
      }
      if (type === 'embedding') return { embedding: createBedrockEmbeddingModel({ modelId: m.id, region: m.region, endpoint: m.endpoint ?? env.STRATA_BEDROCK_ENDPOINT, dimensions: m.dimensions }) };
      return { chat: createBedrockChatModel({ modelId: m.id, region: m.region, endpoint: m.endpoint ?? env.STRATA_BEDROCK_ENDPOINT, alias }) };
    case 'openai': {
      if (!m.endpoint) throw new StrataError('config_invalid', `models.${alias}: provider openai needs 'endpoint' (the server's base URL, e.g. http://127.0.0.1:11434/v1).`);
      let apiKey: string | undefined;
      if (m.apiKeyEnv) {
        apiKey = env[m.apiKeyEnv];
        if (!apiKey) throw new StrataError('config_invalid', `models.${alias}: environment variable ${m.apiKeyEnv} (apiKeyEnv) is not set.`);
      }
      const opts = { modelId: m.id, baseUrl: m.endpoint, apiKey, alias };
      return type === 'embedding' ? { embedding: createOpenAIEmbeddingModel({ ...opts, dimensions: m.dimensions }) } : { chat: createOpenAIChatModel(opts) };
    }
    default:
      throw new StrataError('config_invalid', `models.${alias}.provider: expected bedrock, openai or local, got '${m.provider}'.`);
  }
}
