import { StrataError } from '../core/index.js';

/** Roles a key can hold, from most to least powerful in practice. */
export const ROLES = ['admin', 'developer', 'invoker', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** What a request may do; the server checks one of these per route. */
export type Permission = 'invoke' | 'keys:manage' | 'prompts:read' | 'prompts:write' | 'kb:write' | 'usage:read' | 'audit:read';

export const PERMISSIONS: readonly Permission[] = ['invoke', 'keys:manage', 'prompts:read', 'prompts:write', 'kb:write', 'usage:read', 'audit:read'];

// A table rather than code so that the matrix can be read (and reviewed) at a glance.
const GRANTS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set(PERMISSIONS),
  developer: new Set<Permission>(['invoke', 'prompts:read', 'prompts:write', 'kb:write', 'usage:read']),
  invoker: new Set<Permission>(['invoke']),
  // auditors read prompts (what was deployed when) but change nothing
  auditor: new Set<Permission>(['usage:read', 'audit:read', 'prompts:read']),
};

/**
 * Whether a role grants a permission. Tenancy is separate: every role but admin acts on its own
 * tenant only (see mayAccessTenant).
 */
export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

/** Type guard for role names read from input or from the database. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The role named by value, or a StrataError('invalid_request') listing the roles. */
export function parseRole(value: string): Role {
  if (!isRole(value)) {
    throw new StrataError('invalid_request', `Unknown role '${value}'; expected one of ${ROLES.join(', ')}.`);
  }
  return value;
}
