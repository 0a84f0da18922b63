import type { GatewayLimiter } from './limiter.js';
import { inputEstimate, type Step } from './pipeline.js';

/**
 * Tenant and key limits as a pipeline step: one request and its estimated input tokens are taken from
 * the caller's buckets before anything is sent (429 rate_limited naming the limit when they are empty),
 * and the token count is corrected to the real input + output once the record is complete.
 */
export function createRequestLimitsStep(limiter: GatewayLimiter): Step {
  // not async: decided at once (in-process limits, a local allowance), the step adds no asynchronous hop; a
  // throw here reaches the record step as a rejection, which dispatch ensures
  return (ctx, next) => {
    const caller = ctx.req.caller;
    const tenant = caller?.tenant ?? 'default';
    // the tokenizer runs only if a tenant or key limit counts tokens
    const estimate = (): number => inputEstimate(ctx);
    const admitted = (settle: (actualTokens: number) => void): Promise<void> => {
      ctx.finishHooks.push((rec) => settle(rec.inputTokens + rec.outputTokens));
      return next();
    };
    const now = limiter.admitRequestNow(tenant, caller?.keyId, estimate);
    return now !== undefined ? admitted(now) : limiter.admitRequest(tenant, caller?.keyId, estimate).then(admitted);
  };
}
