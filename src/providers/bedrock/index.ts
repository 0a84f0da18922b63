export { createBedrockChatModel, type BedrockChatModelOptions } from './chat-model.js';
export { createBedrockEmbeddingModel, type BedrockEmbeddingModelOptions } from './embedding-model.js';
export { mapBedrockError } from './errors.js';
export { bedrockClientFor, closeBedrockClients, resolveRegion, resolveEndpoint } from './client.js';
export { describeBedrockModelId, type BedrockModelIdInfo } from './model-id.js';
export { toConverseInput, fromConverseOutput, mapStopReason, mapUsage } from './mapping.js';
export { awsErrorResponse, converseResponseBody, toStopReason, toTokenUsage } from './converse-shapes.js';
export { encodeEvent, encodeException } from './event-frames.js';
export { BedrockReranker, createBedrockReranker, rerankModelArn, parseFoundationModelArn, bedrockAgentRuntimeClientFor, closeBedrockAgentRuntimeClients, BEDROCK_RERANK_MODELS, BEDROCK_RERANK_MAX_SOURCES, type BedrockRerankerOptions, type BedrockRerankResult } from './rerank.js';
