import { StrataError, isRecord } from '../core/index.js';
import { parsePromptRef, type PromptRef } from '../prompts/index.js';

/*
 * Prompt names contain '/', so everything under /v1/prompts/ is one wildcard route and the path is
 * parsed here: `{name}[@ref]`, `{name}/{action}` or `{name}/labels/{label}`. An action word as the
 * last part wins, so a prompt whose name ends in `/versions` (…) is reached as `name@latest`.
 */

const ACTIONS = ['versions', 'labels', 'history', 'diff', 'rollback', 'completions'] as const;
export type PromptAction = (typeof ACTIONS)[number];

export type PromptPath =
  | { kind: 'prompt'; name: string; ref: PromptRef }
  | { kind: 'action'; action: PromptAction; name: string; ref: PromptRef }
  | { kind: 'label'; name: string; label: string };

function isAction(s: string): s is PromptAction {
  return (ACTIONS as readonly string[]).includes(s);
}

/** The prompt path after `/v1/prompts/` (decoded), or a 404 naming the forms it accepts. */
export function parsePromptPath(rest: string): PromptPath {
  const parts = rest.split('/');
  if (rest === '' || parts.some((p) => p === '')) {
    throw new StrataError('not_found', `No prompt path '/v1/prompts/${rest.slice(0, 200)}'; use /v1/prompts/{name}, {name}@{label|version}, {name}/versions|labels|history|diff|rollback|completions or {name}/labels/{label}.`);
  }
  const last = parts.at(-1)!;
  // `{name}/chat/completions` too: an OpenAI SDK whose baseURL is /v1/prompts/{name} calls exactly that
  if (parts.length >= 3 && last === 'completions' && parts.at(-2) === 'chat') {
    const { name, ref } = parsePromptRef(parts.slice(0, -2).join('/'));
    return { kind: 'action', action: 'completions', name, ref };
  }
  if (parts.length >= 2 && isAction(last)) {
    const { name, ref } = parsePromptRef(parts.slice(0, -1).join('/'));
    return { kind: 'action', action: last, name, ref };
  }
  if (parts.length >= 3 && parts.at(-2) === 'labels') {
    const { name, ref } = parsePromptRef(parts.slice(0, -2).join('/'));
    if (ref.label !== undefined || ref.version !== undefined) throw new StrataError('invalid_request', 'Name the prompt without @ in a label path: /v1/prompts/{name}/labels/{label}.');
    return { kind: 'label', name, label: last };
  }
  const { name, ref } = parsePromptRef(rest);
  return { kind: 'prompt', name, ref };
}

/** 'production' → a label, '3' → a version (diff ?a= / ?b=, CLI arguments). */
export function parseRefText(text: string, what: string): PromptRef {
  if (text === '') throw new StrataError('invalid_request', `'${what}' must be a label or a version number.`);
  return /^[0-9]+$/.test(text) ? { version: Number(text) } : { label: text };
}

/** The body as an object (empty when there is none), or a 400. */
export function bodyObject(body: unknown, shape: string): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (!isRecord(body)) throw new StrataError('invalid_request', `Send a JSON object: ${shape}.`);
  return body;
}

/** An optional string field. */
export function optionalText(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new StrataError('invalid_request', `'${field}' must be a string.`, { details: { param: field } });
  return v;
}
