import type { ModelCatalog, Step } from '../../gateway/index.js';
import type { ExperimentStore } from '../experiments/index.js';

/**
 * Route experiments (arms are models): right after route resolution, a route with a running experiment
 * sends the request to the subject's arm model first, the rest of the route's chain behind it as
 * fallbacks, and marks the request with the experiment and arm. The subject is x-strata-subject, else
 * the API key, else the request itself (not sticky).
 */
export function createRouteExperimentStep(experiments: ExperimentStore, catalog: ModelCatalog): Step {
  return async (ctx, next) => {
    const req = ctx.req;
    const running = await experiments.running(req.caller?.tenant ?? 'default', 'route', ctx.plan!.name);
    if (running) {
      const arm = experiments.assign(running, req.subject ?? req.caller?.keyId ?? ctx.invocationId);
      const entry = arm.model === undefined ? undefined : catalog.model(arm.model);
      // an arm naming a model this config no longer has leaves the route as configured (and unmarked)
      if (entry?.chat) {
        const chain = [entry, ...ctx.chain!.filter((e) => e !== entry)];
        // the arm may name a model outside the route: the caller's allow-list must admit it too
        req.caller?.authorize?.(ctx.plan!.name, chain.map((e) => e.alias));
        ctx.chain = chain;
        req.experiment = { id: running.id, arm: arm.name };
      }
    }
    await next();
  };
}
