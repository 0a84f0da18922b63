export * from './types.js';
export * from './retry.js';
export * from './breaker.js';
export * from './invoke.js';
export * from './catalog.js';
export * from './pipeline.js';
export * from './pricing.js';
