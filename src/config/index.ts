export {
  strataConfigSchema,
  inferModelType,
  PROVIDERS,
  MODEL_TYPES,
  LOCAL_MODEL_IDS,
  NAME_PATTERN,
  type StrataConfig,
  type ServerConfig,
  type ModelConfig,
  type RouteConfig,
  type RetryConfig,
  type BreakerConfig,
  type Provider,
  type ModelType,
} from './schema.js';
export { DEFAULT_CONFIG, DEFAULT_MODELS, DEFAULT_ROUTES } from './defaults.js';
export { ConfigError, formatPath, type ConfigProblem } from './errors.js';
export { loadConfig, parseConfig, type LoadConfigOptions } from './load.js';
