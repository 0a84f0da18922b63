import type { GatewayLimiter } from './limiter.js';
import { inputEstimate, type Step } from './pipeline.js';

/**
 * Tenant and key limits as a pipeline step: one request and its estimated input tokens are taken from
 * the caller's buckets before anything is sent (429 rate_limited naming the limit when they are empty),
 * and the token count is corrected to the real input + output once the record is complete.
 */
export function createRequestLimitsStep(limiter: GatewayLimiter): Step {
  return async (ctx, next) => {
    const caller = ctx.req.caller;
    const settle = await limiter.admitRequest(caller?.tenant ?? 'default', caller?.keyId, inputEstimate(ctx));
    ctx.finishHooks.push((rec) => settle(rec.inputTokens + rec.outputTokens));
    await next();
  };
}
