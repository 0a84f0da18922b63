import { strataConfigSchema, type StrataConfig } from './schema.js';

/** The embedded models: they need no account and say what they are (extractive, hashed lexical). */
export const DEFAULT_MODELS = {
  local: { provider: 'local', id: 'extractive' },
  'hash-embed': { provider: 'local', id: 'hash-embed' },
} as const;

export const DEFAULT_ROUTES = {
  default: { models: ['local'] },
} as const;

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const inner of Object.values(v)) deepFreeze(inner);
    Object.freeze(v);
  }
  return v;
}

/** The configuration used when there is no strata.yaml (frozen; loadConfig returns fresh copies). */
export const DEFAULT_CONFIG: StrataConfig = deepFreeze(
  strataConfigSchema.parse({ models: structuredClone(DEFAULT_MODELS), routes: structuredClone(DEFAULT_ROUTES) }),
);
