import type { GuardrailInterventionRecord } from '../core/index.js';
import type { GuardrailTrace } from '../gateway/index.js';
import type { GatewayMetrics } from '../observe/index.js';
import type { GuardrailIntervention, GuardrailResult } from './assessment.js';

/** A fresh trace for a request on a route with this policy. */
export function newGuardrailTrace(policy: string): GuardrailTrace {
  return { policy, action: 'NONE', interventions: [], settled: false };
}

/**
 * Merges a check's interventions into the request's trace (one entry per side, check and action; types
 * united) and counts each entry once in `strata_guardrail_interventions_total`, so a streamed answer checked
 * sentence by sentence counts like the same answer checked whole.
 */
export function addInterventions(trace: GuardrailTrace, side: GuardrailInterventionRecord['side'], found: readonly GuardrailIntervention[], metrics?: GatewayMetrics): void {
  for (const i of found) {
    let entry = trace.interventions.find((e) => e.side === side && e.check === i.check && e.action === i.action);
    if (entry === undefined) {
      entry = { side, check: i.check, action: i.action, types: [] };
      trace.interventions.push(entry);
      metrics?.guardrailInterventions.inc({ policy: trace.policy, check: i.check, action: i.action, side });
    }
    for (const t of i.types) if (!entry.types.includes(t)) entry.types.push(t);
    if (i.action !== 'DETECTED') trace.action = 'GUARDRAIL_INTERVENED';
  }
}

/** The grounding and relevance scores of a result, when its policy scored them. */
export function groundingScores(res: GuardrailResult): { grounding: number; relevance: number } | undefined {
  for (const a of res.assessments) {
    const filters = a.contextualGroundingPolicy?.filters;
    if (!filters) continue;
    const g = filters.find((f) => f.type === 'GROUNDING');
    const r = filters.find((f) => f.type === 'RELEVANCE');
    if (g && r) return { grounding: g.score, relevance: r.score };
  }
  return undefined;
}
