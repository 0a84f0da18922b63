import type { GatewayMetrics, Logger } from '../observe/index.js';
import type { BudgetGuard } from './budget/index.js';
import type { ModelCatalog } from './catalog.js';
import type { Step } from './pipeline.js';
import type { ModelEntry } from './types.js';

export interface BudgetStepDeps {
  guard: BudgetGuard;
  catalog: ModelCatalog;
  logger: Logger;
  metrics?: GatewayMetrics;
}

/** Price of a typical call (input + output per million tokens), for choosing the cheapest model. */
function unitPrice(e: ModelEntry): number {
  return e.price ? e.price.input + e.price.output : Number.POSITIVE_INFINITY;
}

/**
 * Budgets as a pipeline step: a spent `block` budget refuses the request (429 budget_exceeded); a spent
 * `downgrade` budget sends it to the budget's downgradeTo model or else the cheapest priced model of the
 * chain, marking the record. After the request, its cost counts against every budget it falls under.
 */
export function createBudgetStep(deps: BudgetStepDeps): Step {
  return async (ctx, next) => {
    const tenant = ctx.req.caller?.tenant ?? 'default';
    const tags = ctx.req.tags ?? {};
    const decision = await deps.guard.check(tenant, tags);
    if (decision.block) throw deps.guard.blockedError(decision.block);
    if (decision.downgrade) {
      const { rule } = decision.downgrade;
      const chain = ctx.chain!;
      const target = rule.downgradeTo !== undefined ? deps.catalog.model(rule.downgradeTo) : [...chain].sort((a, b) => unitPrice(a) - unitPrice(b))[0];
      if (target?.chat && target !== chain[0] && unitPrice(target) <= unitPrice(chain[0]!)) {
        ctx.chain = [target];
        ctx.downgradedBy = rule.name;
        deps.metrics?.budgetActions.inc({ budget: rule.name, action: 'downgrade' });
      }
    }
    ctx.finishHooks.push((rec) => {
      if (rec.costUsd === null || rec.costUsd <= 0) return;
      deps.guard.record(tenant, tags, rec.costUsd).catch((e: unknown) => {
        deps.logger.error({ err: { message: (e as Error).message } }, 'budget spend could not be counted');
      });
    });
    await next();
  };
}
