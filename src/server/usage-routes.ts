import type { FastifyInstance } from 'fastify';
import { StrataError } from '../core/index.js';
import { describeUsageQuery, parseUsageArgs, usageSummary, type Store } from '../store/index.js';
import { assertPermission } from '../compliance/index.js';
import { principalOf } from './auth.js';
import { queryParam } from './request-common.js';

export interface UsageRoutesDeps {
  store?: Store;
}

/**
 * GET /v1/usage?by=tenant,feature&since=7d&until=…&granularity=day&tenant=…: requests, errors, tokens and cost
 * from the invocation records, grouped by record fields or tag keys. Records reach the store within
 * the writer's flush interval, so the last fraction of a second may be missing.
 */
export function registerUsageRoutes(app: FastifyInstance, deps: UsageRoutesDeps): void {
  app.get('/v1/usage', async (request, reply) => {
    if (!deps.store) throw new StrataError('not_found', 'Usage is not available: this server has no invocation store.');
    const q = (name: string): string | undefined => queryParam(request, name);
    const query = parseUsageArgs({ by: q('by'), since: q('since'), until: q('until'), granularity: q('granularity'), tenant: q('tenant') }, '');
    // a tenant's keys see their own tenant only; admins see all tenants, or one when they ask
    const principal = principalOf(request);
    if (principal.role !== 'admin') {
      assertPermission(principal, 'usage:read', query.tenant ?? principal.tenant);
      query.tenant = principal.tenant;
    }
    const data = await usageSummary(deps.store, query);
    return reply.send({ object: 'usage', ...describeUsageQuery(query), data });
  });
}
