import type { ChatContext, ModelCatalog, Step } from '../../gateway/index.js';
import type { Experiment, ExperimentStore } from '../experiments/index.js';

/**
 * Route experiments (arms are models): right after route resolution, a route with a running experiment
 * sends the request to the subject's arm model first, the rest of the route's chain behind it as
 * fallbacks, and marks the request with the experiment and arm. The subject is x-strata-subject, else
 * the API key, else the request itself (not sticky).
 */
export function createRouteExperimentStep(experiments: ExperimentStore, catalog: ModelCatalog): Step {
  const apply = (ctx: ChatContext, running: Experiment | undefined): void => {
    const req = ctx.req;
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
  };
  // Not an async function: with the running experiment (or its absence) in memory, as on nearly every
  // request, the step adds no asynchronous hop of its own.
  return (ctx, next) => {
    const tenant = ctx.req.caller?.tenant ?? 'default';
    const known = experiments.runningNow(tenant, 'route', ctx.plan!.name);
    if (known !== undefined) {
      apply(ctx, known.experiment);
      return next();
    }
    return experiments.running(tenant, 'route', ctx.plan!.name).then((running) => {
      apply(ctx, running);
      return next();
    });
  };
}
