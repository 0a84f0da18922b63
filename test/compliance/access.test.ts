import { describe, expect, it } from 'vitest';
import {
  PERMISSIONS,
  ROLES,
  TENANT_PATTERN,
  assertMayUse,
  assertPermission,
  assertTenantName,
  can,
  mayAccessTenant,
  parseApiKey,
  type Permission,
  type Principal,
  type Role,
} from '../../src/compliance/index.js';
import { StrataError } from '../../src/core/index.js';

function key(role: Role, lists: { models?: string[]; routes?: string[] } = {}): Principal {
  return { keyId: '0123456789abcdef', tenant: 'acme', role, models: lists.models ?? null, routes: lists.routes ?? null };
}

function refusal(fn: () => void): StrataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    expect(e).toMatchObject({ code: 'forbidden', status: 403 });
    return e as StrataError;
  }
  throw new Error('expected a refusal');
}

describe('roles', () => {
  it('grants each role exactly its permissions', () => {
    const expected: Record<Role, Permission[]> = {
      admin: [...PERMISSIONS],
      developer: ['invoke', 'prompts:read', 'prompts:write', 'kb:write', 'usage:read'],
      invoker: ['invoke'],
      auditor: ['prompts:read', 'usage:read', 'audit:read'],
    };
    for (const role of ROLES) {
      expect(PERMISSIONS.filter((p) => can(role, p)), role).toEqual(expected[role]);
    }
  });

  it('confines every role but admin to its own tenant', () => {
    expect(mayAccessTenant(key('admin'), 'globex')).toBe(true);
    for (const role of ['developer', 'invoker', 'auditor'] as const) {
      expect(mayAccessTenant(key(role), 'acme')).toBe(true);
      expect(mayAccessTenant(key(role), 'globex')).toBe(false);
    }
    expect(() => assertPermission(key('auditor'), 'audit:read', 'acme')).not.toThrow();
    expect(refusal(() => assertPermission(key('auditor'), 'audit:read', 'globex')).message).toBe(
      "API key 0123456789abcdef belongs to tenant 'acme' and may not act on tenant 'globex'.",
    );
    expect(refusal(() => assertPermission(key('developer'), 'keys:manage')).message).toMatch(/developer role, which does not grant 'keys:manage'/);
    expect(() => assertPermission(key('admin'), 'keys:manage', 'globex')).not.toThrow();
  });
});

describe('assertMayUse', () => {
  it('lets keys without lists use everything, and auditors nothing', () => {
    for (const role of ['admin', 'developer', 'invoker'] as const) expect(() => assertMayUse(key(role), 'default', ['sonnet', 'haiku'])).not.toThrow();
    expect(refusal(() => assertMayUse(key('auditor'), 'default', ['local'])).message).toMatch(/auditor role, which may not invoke/);
  });

  it('limits a routes-only key to its routes, fallbacks included, and no direct model calls', () => {
    const p = key('invoker', { routes: ['support'] });
    expect(() => assertMayUse(p, 'support', ['sonnet', 'haiku'])).not.toThrow();
    expect(refusal(() => assertMayUse(p, 'default', ['local'])).message).toBe("API key 0123456789abcdef may not use 'default'; it may use only: support.");
    expect(() => assertMayUse(p, 'haiku', ['haiku'])).toThrow(StrataError);
  });

  it('lets a models-only key call its models and any route whose whole chain stays within them', () => {
    const p = key('developer', { models: ['haiku', 'local'] });
    expect(() => assertMayUse(p, 'haiku', ['haiku'])).not.toThrow();
    expect(() => assertMayUse(p, 'cheap', ['haiku', 'local'])).not.toThrow();
    expect(refusal(() => assertMayUse(p, 'support', ['sonnet', 'haiku'])).message).toBe(
      "API key 0123456789abcdef may not use 'support': it can reach model 'sonnet', which is not among the key's models (haiku, local).",
    );
    expect(() => assertMayUse(p, 'sonnet', ['sonnet'])).toThrow(/reach model 'sonnet'/);
  });

  it('with both lists, allows exactly the names in routes ∪ models', () => {
    const p = key('invoker', { routes: ['support'], models: ['haiku'] });
    expect(() => assertMayUse(p, 'support', ['sonnet', 'haiku'])).not.toThrow(); // a listed route is granted as configured
    expect(() => assertMayUse(p, 'haiku', ['haiku'])).not.toThrow();
    expect(refusal(() => assertMayUse(p, 'cheap', ['haiku'])).message).toMatch(/may use only: support, haiku/);
    expect(() => assertMayUse(p, 'sonnet', ['sonnet'])).toThrow(StrataError);
    // a model name that is also a route reaching beyond the models list stays refused
    expect(() => assertMayUse(p, 'haiku', ['haiku', 'sonnet'])).toThrow(/reach model 'sonnet'/);
  });
});

describe('key and tenant shapes', () => {
  it('parses only the exact key shape', () => {
    const secret = 'a'.repeat(21) + '-_' + 'Z'.repeat(20);
    expect(parseApiKey(`strata-0123456789abcdef-${secret}`)).toEqual({ id: '0123456789abcdef', secret });
    for (const bad of [`strata-0123456789ABCDEF-${secret}`, `strata-0123456789abcde-${secret}`, `strata-0123456789abcdef-${secret}x`, `strata-0123456789abcdef-${secret.slice(1)}=`, `sk-0123456789abcdef-${secret}`, ` strata-0123456789abcdef-${secret}`]) {
      expect(parseApiKey(bad), bad).toBeUndefined();
    }
  });

  it('accepts tenant names that are safe everywhere and explains the rule otherwise', () => {
    for (const ok of ['acme', 'a', '0', 'acme-eu.prod_2', 'a'.repeat(63)]) expect(TENANT_PATTERN.test(ok), ok).toBe(true);
    for (const bad of ['', 'Acme', '-acme', '.acme', 'ac me', 'acme:1', 'a'.repeat(64), 'café']) {
      expect(() => assertTenantName(bad), bad).toThrow(/use 1-63 lower-case letters, digits/);
    }
  });
});
