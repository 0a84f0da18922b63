export * from './types.js';
export * from './errors.js';
export * from './hash.js';
export * from './ids.js';
export * from './tokenizer.js';
export * from './clock.js';
export * from './guards.js';
export * from './retry-after.js';
