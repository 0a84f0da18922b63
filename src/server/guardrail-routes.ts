import type { FastifyInstance } from 'fastify';
import { StrataError } from '../core/index.js';
import { applyGuardrailResponse, parseApplyGuardrailRequest, type GuardrailRegistry } from '../guardrails/index.js';
import { principalOf } from './auth.js';
import { queryParam } from './request-common.js';

export interface GuardrailRoutesDeps {
  /** the compiled policies (strata.guardrails); absent: the path answers 404 */
  guardrails?: GuardrailRegistry;
}

/**
 * POST /v1/guardrails/{policy}/apply in ApplyGuardrail's request and response shape: checks text against a
 * policy without calling a model, so any key that may invoke may ask (tenants do not matter: policies are
 * the server's). `match` fields carry the sensitive text itself and are left out unless an admin asks with
 * ?showMatches=true. Checks here are not invocations: they are neither recorded nor counted in the metrics.
 */
export function registerGuardrailRoutes(app: FastifyInstance, deps: GuardrailRoutesDeps): void {
  const registry = deps.guardrails;
  if (registry === undefined) return;
  app.post<{ Params: { policy: string } }>('/v1/guardrails/:policy/apply', async (request, reply) => {
    const policy = registry.get(request.params.policy);
    const showMatches = parseShowMatches(queryParam(request, 'showMatches'));
    if (showMatches && principalOf(request).role !== 'admin') {
      throw new StrataError('forbidden', 'showMatches=true returns the sensitive text itself and needs an admin key; leave it out to get the assessment without matches.');
    }
    const { source, blocks } = parseApplyGuardrailRequest(request.body);
    const result = await policy.apply(source, blocks);
    return reply.header('x-strata-guardrail', policy.name).send(applyGuardrailResponse(policy, source, blocks, result, { showMatches }));
  });
}

function parseShowMatches(v: string | undefined): boolean {
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  throw new StrataError('invalid_request', "showMatches must be 'true' or 'false'.", { details: { param: 'showMatches' } });
}
