import { StrataError } from '../core/index.js';
import { PROMPT_NAME_MAX, PROMPT_NAME_PATTERN } from './file.js';
import type { PromptRef } from './types.js';

/** Label names: a lower-case letter, then up to 31 lower-case letters, digits, '.', '_' or '-'. */
export const LABEL_PATTERN = /^[a-z][a-z0-9._-]{0,31}$/;

/** Throws invalid_request unless name is a valid prompt name. */
export function assertPromptName(name: string): void {
  if (typeof name !== 'string' || name.length > PROMPT_NAME_MAX || !PROMPT_NAME_PATTERN.test(name)) {
    throw new StrataError(
      'invalid_request',
      `Invalid prompt name ${JSON.stringify(name)}: use lower-case letters, digits, '.', '_' and '-' in '/'-separated parts, each starting with a letter or digit (at most ${PROMPT_NAME_MAX} characters).`,
    );
  }
}

/** The label every prompt has, kept on the newest version by push. */
export const LATEST_LABEL = 'latest';

/** Throws invalid_request unless label is a valid label name. */
export function assertLabelName(label: string): void {
  if (typeof label !== 'string' || !LABEL_PATTERN.test(label)) {
    throw new StrataError('invalid_request', `Invalid label ${JSON.stringify(label)}: a lower-case letter, then up to 31 lower-case letters, digits, '.', '_' or '-'.`);
  }
}

/** Throws invalid_request unless label is a valid label that people may move (`what`: set, removed, rolled back). */
export function assertSettableLabel(label: string, what: string): void {
  assertLabelName(label);
  if (label === LATEST_LABEL) {
    throw new StrataError('invalid_request', `The '${LATEST_LABEL}' label follows the newest version automatically; it cannot be ${what} by hand (use another label, e.g. production).`);
  }
}

/** Throws invalid_request unless a tenant is given. */
export function assertTenant(tenant: string): void {
  if (typeof tenant !== 'string' || tenant === '') throw new StrataError('invalid_request', 'A tenant is required for prompt registry calls.');
}

/** Throws invalid_request unless an actor is given: the history records who made every change. */
export function assertActor(actor: string): void {
  if (typeof actor !== 'string' || actor.trim() === '') {
    throw new StrataError('invalid_request', 'Say who is acting (actor) on prompt registry writes: the history records it.');
  }
}

/** Throws invalid_request unless version is a version number (an integer ≥ 1). */
export function assertVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new StrataError('invalid_request', `Invalid version ${JSON.stringify(version)}: versions are whole numbers from 1.`);
  }
}

/**
 * `support/answer` (latest), `support/answer@production` (a label) or `support/answer@3` (a version)
 * → name and reference; invalid_request on anything else.
 */
export function parsePromptRef(text: string): { name: string; ref: PromptRef } {
  const at = text.indexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  assertPromptName(name);
  if (at < 0) return { name, ref: {} };
  const tail = text.slice(at + 1);
  if (/^[0-9]+$/.test(tail)) {
    const version = Number(tail);
    assertVersion(version);
    return { name, ref: { version } };
  }
  if (tail === '') throw new StrataError('invalid_request', `Invalid prompt reference ${JSON.stringify(text)}: put a label or a version after '@' (e.g. ${name}@production, ${name}@3).`);
  assertLabelName(tail);
  return { name, ref: { label: tail } };
}

/** `name@label`, `name@3` or plain `name` (latest): the text parsePromptRef reads back. */
export function formatPromptRef(name: string, ref: PromptRef = {}): string {
  if (ref.version !== undefined) return `${name}@${ref.version}`;
  return ref.label !== undefined ? `${name}@${ref.label}` : name;
}
