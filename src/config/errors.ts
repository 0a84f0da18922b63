import type { z } from 'zod';
import { StrataError, suggest, valueAt } from '../core/index.js';
import { KNOWN_FIELDS, NAME_RULE } from './schema.js';

export type PathSegment = string | number;

/** One thing wrong with a config, at a dotted path (`routes.support.models[1]`). */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** An invalid strata.yaml: every problem found, one line each. */
export class ConfigError extends StrataError {
  readonly problems: ConfigProblem[];
  readonly source: string;

  /** `message` replaces the usual "Invalid config <source>:" list (for a file that cannot be read at all). */
  constructor(source: string, problems: ConfigProblem[], message?: string) {
    const lines = problems.map((p) => `  - ${p.path ? `${p.path}: ` : ''}${p.message}`);
    super('config_invalid', message ?? `Invalid config ${source}:\n${lines.join('\n')}`, { details: { source, problems } });
    this.name = 'ConfigError';
    this.source = source;
    this.problems = problems;
  }
}

/** `routes.support.models[1]`; keys that are not plain words are quoted: `models["a b"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** A short, safe rendering of a value the user wrote. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 57)}...` : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

function knownFieldsAt(path: readonly PropertyKey[]): string[] {
  const [a, , c] = path;
  if (path.length === 0) return KNOWN_FIELDS.root;
  if (path.length === 1 && a === 'server') return KNOWN_FIELDS.server;
  if (path.length === 1 && a === 'breaker') return KNOWN_FIELDS.breaker;
  if (path.length === 2 && a === 'models') return KNOWN_FIELDS.model;
  if (path.length === 2 && a === 'routes') return KNOWN_FIELDS.route;
  if (path.length === 3 && a === 'routes' && c === 'retry') return KNOWN_FIELDS.retry;
  if (path.length === 3 && a === 'routes' && c === 'cache') return KNOWN_FIELDS.routeCache;
  if (path.length === 3 && a === 'routes' && c === 'knowledgeBase') return KNOWN_FIELDS.routeKnowledgeBase;
  if (path.length === 1 && a === 'rag') return KNOWN_FIELDS.rag;
  if (path.length === 2 && a === 'guardrails') return KNOWN_FIELDS.guardrail;
  if (path.length === 3 && a === 'models' && c === 'limits') return KNOWN_FIELDS.modelLimits;
  if (path.length === 1 && a === 'auth') return KNOWN_FIELDS.auth;
  if (path.length === 1 && a === 'limits') return KNOWN_FIELDS.limits;
  if (path.length === 1 && a === 'cache') return KNOWN_FIELDS.cache;
  if (path.length === 2 && a === 'limits' && path[1] === 'queue') return KNOWN_FIELDS.queue;
  if (path.length === 2 && a === 'limits' && path[1] === 'keys') return KNOWN_FIELDS.rateLimit;
  if (path.length === 3 && a === 'limits' && path[1] === 'tenants') return KNOWN_FIELDS.rateLimit;
  if (path.length === 2 && a === 'budgets') return KNOWN_FIELDS.budget;
  return [];
}

function toSegments(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((p) => (typeof p === 'symbol' ? String(p) : p));
}

/** Problems for one zod issue (an unknown-keys issue yields one per key). */
function problemsOf(issue: z.core.$ZodIssue, input: unknown): ConfigProblem[] {
  const path = formatPath(toSegments(issue.path));
  const value = valueAt(input, issue.path);
  // The hash key is a secret: never echo it back.
  const shown = issue.path[0] === 'hashKey' ? '(hidden)' : describeValue(value);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const hint = suggest(key, knownFieldsAt(issue.path));
        const known = knownFieldsAt(issue.path);
        const tail = hint ? ` (did you mean '${hint}'?)` : known.length ? ` (known: ${known.join(', ')})` : '';
        return { path: formatPath([...toSegments(issue.path), key]), message: `unknown field${tail}` };
      });
    case 'invalid_key':
      return [{ path, message: `invalid name ${describeValue(issue.path.at(-1))}; ${NAME_RULE}` }];
    case 'invalid_type': {
      // a schema's own message (e.g. "a topic needs a definition …") says more than zod's default
      if (value === undefined) return [{ path, message: issue.message.startsWith('Invalid input') ? 'required' : `required: ${issue.message}` }];
      const expected = issue.expected === 'int' ? 'an integer' : issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
      return [{ path, message: `expected ${expected}, got ${shown}` }];
    }
    case 'invalid_value':
      return [{ path, message: `expected one of ${issue.values.map(String).join('|')}, got ${shown}` }];
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') {
        return [{ path, message: min <= 1 ? 'must not be empty' : `must be at least ${min} characters` }];
      }
      if (issue.origin === 'array') return [{ path, message: `must list at least ${min} ${min === 1 ? 'entry' : 'entries'}` }];
      return [{ path, message: `must be ${issue.inclusive ? '≥' : '>'} ${min}, got ${shown}` }];
    }
    case 'too_big':
      return [{ path, message: `must be ${issue.inclusive ? '≤' : '<'} ${Number(issue.maximum)}, got ${shown}` }];
    case 'invalid_format':
      return [{ path, message: `${issue.message}, got ${shown}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** Readable problems from a zod error over `input`. */
export function problemsFromZod(error: z.ZodError, input: unknown): ConfigProblem[] {
  return error.issues.flatMap((issue) => problemsOf(issue, input));
}
