import { NAME_PATTERN } from '../config/index.js';
import { StrataError, TENANT_PATTERN, TENANT_RULE } from '../core/index.js';
import { parseRole, type Role } from './roles.js';

export { TENANT_PATTERN, TENANT_RULE };

const MAX_LABEL_LENGTH = 100;
// Control characters in a label could rewrite a terminal line in `strata keys list`.
const CONTROL_CHARS = /\p{Cc}/u;

/** Throws StrataError('invalid_request') unless tenant follows TENANT_PATTERN. */
export function assertTenantName(tenant: string): void {
  if (!TENANT_PATTERN.test(tenant)) {
    throw new StrataError('invalid_request', `Invalid tenant '${tenant}': ${TENANT_RULE}.`);
  }
}

/** What create() accepts, before validation. */
export interface CreateKeyInput {
  tenant: string;
  role: Role;
  name?: string;
  models?: string[];
  routes?: string[];
}

/** CreateKeyInput after validation: lists deduplicated, absent lists as null (= all). */
export interface ValidKeyInput {
  tenant: string;
  role: Role;
  name: string | null;
  models: string[] | null;
  routes: string[] | null;
}

function allowList(kind: 'models' | 'routes', list: readonly string[] | undefined): string[] | null {
  if (list === undefined) return null;
  if (list.length === 0) {
    // An empty list would make a key that can call nothing; omitting the list is how to allow all.
    throw new StrataError('invalid_request', `The ${kind} allow-list is empty; omit it to allow every one of the ${kind}.`);
  }
  for (const name of list) {
    if (!NAME_PATTERN.test(name)) {
      throw new StrataError('invalid_request', `Invalid name '${name}' in the ${kind} allow-list; names use letters, digits, '.', '_' or '-'.`);
    }
  }
  return [...new Set(list)];
}

/** Validates a key request; every problem is an invalid_request with a message a user can act on. */
export function validateKeyInput(input: CreateKeyInput): ValidKeyInput {
  assertTenantName(input.tenant);
  const role = parseRole(input.role);
  let name: string | null = null;
  if (input.name !== undefined) {
    name = input.name.trim();
    if (name === '' || name.length > MAX_LABEL_LENGTH || CONTROL_CHARS.test(name)) {
      throw new StrataError('invalid_request', `The key name must be 1-${MAX_LABEL_LENGTH} printable characters.`);
    }
  }
  const models = allowList('models', input.models);
  const routes = allowList('routes', input.routes);
  if ((models !== null || routes !== null) && (role === 'admin' || role === 'auditor')) {
    // An admin can mint itself an unrestricted key, and an auditor cannot invoke at all: a list on
    // either would look like a restriction while restricting nothing.
    throw new StrataError(
      'invalid_request',
      `Model and route allow-lists apply to invoker and developer keys only; an ${role} key ${role === 'admin' ? 'may use everything' : 'cannot invoke models'}.`,
    );
  }
  return { tenant: input.tenant, role, name, models, routes };
}
