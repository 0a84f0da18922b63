import type { ChatParams } from '../../core/index.js';

/**
 * deterministic: cache only requests that asked for temperature 0, where a replay is what the model
 * would most likely have said anyway; force: cache every request (the operator accepts fixed answers).
 */
export type CacheMode = 'deterministic' | 'force';

/** Whether a request with these parameters may be answered from, and stored into, the response cache. */
export function isCacheable(params: ChatParams, mode: CacheMode): boolean {
  if (mode === 'force') return true;
  // An absent temperature means the provider default, which is not 0 on any provider we support.
  return params.temperature === 0;
}
