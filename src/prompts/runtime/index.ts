export {
  InProcessChangeBus,
  type PromptChange,
  type PromptChangeBus,
  type PromptBusEvent,
  type PromptBusListener,
  type InProcessBusOptions,
} from './change-bus.js';
export { PostgresChangeBus, promptChannel, type PostgresBusOptions } from './postgres-change-bus.js';
export { RedisChangeBus, type RedisBusOptions } from './redis-change-bus.js';
export { ResolvedPromptCache, cacheKeyString, type PromptCacheKey, type ResolvedPromptCacheOptions, type ResolvedPromptCacheStats } from './resolved-cache.js';
export { PromptRuntime, FALLBACK_VERSION, type PromptSource, type PromptRuntimeOptions, type GetPromptOptions } from './prompt-runtime.js';
export { createPromptChangeBus, PromptChangeAnnouncer, type PromptBusChoice } from './bus-factory.js';
export { createRoutePromptStep, INPUT_VARIABLE } from './route-prompt-step.js';
export { createRouteExperimentStep } from './route-experiment-step.js';
