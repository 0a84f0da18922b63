/** Provider for OpenAI-compatible servers: OpenAI, Ollama, vLLM, llama.cpp server, LM Studio. */
export { createOpenAIChatModel, type OpenAIModelOptions, type OpenAIChatModel } from './chat-model.js';
export { createOpenAIEmbeddingModel, type OpenAIEmbeddingOptions, type OpenAIEmbeddingModel } from './embedding-model.js';
export { mapOpenAIError, connectionError, retryAfterMs, type ResponseHeaders } from './errors.js';
export { SseDataParser } from './sse.js';
