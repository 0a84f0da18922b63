import { StrataError } from '../core/index.js';
import { can, type Permission, type Role } from './roles.js';

/** Who is calling: what a verified key resolves to. */
export interface Principal {
  keyId: string;
  tenant: string;
  role: Role;
  /** model aliases the key may reach; null = all */
  models: string[] | null;
  /** route names the key may call; null = all */
  routes: string[] | null;
}

/**
 * Throws StrataError('forbidden') unless the key may send a request naming `route` (a configured route,
 * or a model alias called directly) that can reach the models `modelAliases` (the resolved fallback
 * chain for the request's priority). A null list means "all". The rule, in order:
 * 1. a role without 'invoke' (auditor) may call nothing;
 * 2. a name in `routes` is allowed: the route as configured, fallbacks included;
 * 3. with a `routes` list, any other name must be in `models` (a direct model call);
 * 4. with a `models` list, every alias the request can reach must be in it.
 * So a routes-only key calls just its routes; a models-only key calls its models and any route whose
 * whole chain stays within them; with both, the requested name must be in routes ∪ models.
 */
export function assertMayUse(p: Principal, route: string, modelAliases: readonly string[]): void {
  if (!can(p.role, 'invoke')) {
    throw new StrataError('forbidden', `API key ${p.keyId} has the ${p.role} role, which may not invoke models.`);
  }
  const { models, routes } = p;
  // A listed route is granted as configured, fallbacks included.
  if (routes?.includes(route)) return;
  if (routes !== null && !(models?.includes(route) ?? false)) {
    throw new StrataError('forbidden', `API key ${p.keyId} may not use '${route}'; it may use only: ${[...routes, ...(models ?? [])].join(', ')}.`);
  }
  if (models === null) return;
  const outside = modelAliases.find((a) => !models.includes(a));
  if (outside !== undefined) {
    throw new StrataError(
      'forbidden',
      `API key ${p.keyId} may not use '${route}': it can reach model '${outside}', which is not among the key's models (${models.join(', ')}).`,
    );
  }
}

/** Whether the key may act on tenant's data: admin keys on every tenant, other keys on their own. */
export function mayAccessTenant(p: Principal, tenant: string): boolean {
  return p.role === 'admin' || p.tenant === tenant;
}

/**
 * Throws StrataError('forbidden') unless the key's role grants permission and, when a tenant is given,
 * the key may act on that tenant.
 */
export function assertPermission(p: Principal, permission: Permission, tenant?: string): void {
  if (!can(p.role, permission)) {
    throw new StrataError('forbidden', `API key ${p.keyId} has the ${p.role} role, which does not grant '${permission}'.`);
  }
  if (tenant !== undefined && !mayAccessTenant(p, tenant)) {
    throw new StrataError('forbidden', `API key ${p.keyId} belongs to tenant '${p.tenant}' and may not act on tenant '${tenant}'.`);
  }
}
