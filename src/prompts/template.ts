import { StrataError } from '../core/index.js';
import type { ChatParams } from '../core/index.js';
import type { PromptContent, RenderedPrompt, VariableSpec, VariableType } from './types.js';

/*
 * Template syntax, deliberately tiny (no sections, no filters, no HTML escaping):
 *   {{ name }}   the value of variable `name`; blanks inside the braces are allowed
 *   \{{          a literal `{{` (what follows is plain text up to the next `{{`)
 *   \\{{ name }} a literal backslash, then the placeholder
 * In general a run of n backslashes right before `{{` stands for floor(n/2) backslashes, and an odd n
 * makes the `{{` literal. Backslashes anywhere else, and a `}}` outside a placeholder, are plain text,
 * so ordinary prose and JSON examples need no escaping.
 */

/** One piece of a parsed template. */
export type TemplateSegment = { kind: 'text'; text: string } | { kind: 'variable'; name: string; offset: number };

/** The variable-name rule shared by templates and the `variables:` of prompt files. */
export const VARIABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Line and column (both from 1) of a character offset, for error messages people can find. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** A template syntax error: where it is (offset, line, column) and what is wrong. */
export class TemplateSyntaxError extends StrataError {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  constructor(text: string, offset: number, reason: string) {
    const { line, column } = positionOf(text, offset);
    super('invalid_request', `${reason} at line ${line}, column ${column}`, { details: { offset, line, column } });
    this.name = 'TemplateSyntaxError';
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

function describeInner(inner: string): string {
  return inner.length > 40 ? `'${inner.slice(0, 37)}...'` : `'${inner}'`;
}

/** Parses a template into text and variable segments, or throws TemplateSyntaxError with the position. */
export function parseTemplate(text: string): TemplateSegment[] {
  const out: TemplateSegment[] = [];
  let literal = '';
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{{', pos);
    if (open < 0) break;
    let slashes = 0;
    while (open - slashes - 1 >= pos && text[open - slashes - 1] === '\\') slashes++;
    literal += text.slice(pos, open - slashes) + '\\'.repeat(Math.floor(slashes / 2));
    if (slashes % 2 === 1) {
      literal += '{{';
      pos = open + 2;
      continue;
    }
    const close = text.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateSyntaxError(text, open, "unclosed '{{' (close it with '}}', or write '\\{{' for a literal '{{')");
    const inner = text.slice(open + 2, close);
    const name = inner.trim();
    if (name === '') throw new TemplateSyntaxError(text, open, "empty placeholder '{{}}' (put a variable name inside)");
    if (!VARIABLE_NAME_PATTERN.test(name)) {
      throw new TemplateSyntaxError(
        text,
        open,
        `invalid placeholder ${describeInner(inner)}: a variable name is a letter or '_' followed by letters, digits or '_' (write '\\{{' for a literal '{{')`,
      );
    }
    if (literal !== '') out.push({ kind: 'text', text: literal });
    literal = '';
    out.push({ kind: 'variable', name, offset: open });
    pos = close + 2;
  }
  literal += text.slice(pos);
  if (literal !== '') out.push({ kind: 'text', text: literal });
  return out;
}

/** Names of the variables a parsed template uses, in order of first use. */
export function templateVariables(segments: readonly TemplateSegment[]): string[] {
  const names = new Set<string>();
  for (const s of segments) if (s.kind === 'variable') names.add(s.name);
  return [...names];
}

/** Whether a value has a variable type: the JSON types, with `integer` a whole number. */
export function matchesVariableType(type: VariableType, value: unknown): value is string | number | boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

/** A short description of a value for error messages; never more than a few dozen characters of it. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string '${v.length > 40 ? `${v.slice(0, 37)}...` : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : typeof v;
}

function article(type: VariableType): string {
  return type === 'integer' ? 'an integer' : `a ${type}`;
}

/** Parsed templates per content object: the runtime renders the same cached version many times. */
const parsedCache = new WeakMap<PromptContent, TemplateSegment[][]>();

function parsedTemplates(content: PromptContent): TemplateSegment[][] {
  let parsed = parsedCache.get(content);
  if (parsed === undefined) {
    const texts = content.type === 'text' ? [content.template ?? ''] : (content.messages ?? []).map((m) => m.content);
    parsed = texts.map(parseTemplate);
    parsedCache.set(content, parsed);
  }
  return parsed;
}

/** The values to insert: given ones checked against the declarations, defaults for the rest. */
function resolveVariables(content: PromptContent, given: Record<string, unknown>, ref: string): Map<string, string> {
  const declared = content.variables;
  const names = Object.keys(declared).sort();
  const problems: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(declared, name)) {
      problems.push(`unknown variable '${name}' (declared: ${names.length ? names.join(', ') : 'none'})`);
    }
  }
  const values = new Map<string, string>();
  for (const name of names) {
    const spec: VariableSpec = declared[name]!;
    const value = Object.hasOwn(given, name) ? given[name] : undefined;
    if (value === undefined) {
      if (spec.default !== undefined) values.set(name, String(spec.default));
      else if (spec.required) problems.push(`missing required variable '${name}' (${spec.type})`);
      // An optional variable without a default renders as nothing.
      else values.set(name, '');
    } else if (!matchesVariableType(spec.type, value)) {
      problems.push(`variable '${name}' must be ${article(spec.type)}, got ${describeValue(value)}`);
    } else {
      values.set(name, String(value));
    }
  }
  if (problems.length > 0) {
    throw new StrataError('invalid_request', `Cannot render prompt ${ref}: ${problems.join('; ')}.`, { details: { ref, problems } });
  }
  return values;
}

function fill(segments: readonly TemplateSegment[], values: ReadonlyMap<string, string>): string {
  let out = '';
  // Values go in verbatim: prompts are not HTML, and escaping would change what the model reads.
  for (const s of segments) out += s.kind === 'text' ? s.text : (values.get(s.name) ?? '');
  return out;
}

/** The prompt's model defaults as gateway parameters (only the ones it sets). */
export function promptParams(content: PromptContent): ChatParams {
  const m = content.model;
  const params: ChatParams = {};
  if (m.temperature !== undefined) params.temperature = m.temperature;
  if (m.topP !== undefined) params.topP = m.topP;
  if (m.maxTokens !== undefined) params.maxTokens = m.maxTokens;
  if (m.stop !== undefined) params.stop = [...m.stop];
  return params;
}

/**
 * Renders a validated prompt with the caller's variables: every problem (missing required, unknown,
 * mistyped variable) is reported in one invalid_request error. A text prompt becomes one user message.
 */
export function renderPrompt(content: PromptContent, variables: Record<string, unknown>, ref: string): RenderedPrompt {
  const values = resolveVariables(content, variables, ref);
  const parsed = parsedTemplates(content);
  const messages =
    content.type === 'text'
      ? [{ role: 'user' as const, content: fill(parsed[0] ?? [], values) }]
      : (content.messages ?? []).map((m, i) => ({ role: m.role, content: fill(parsed[i] ?? [], values) }));
  const rendered: RenderedPrompt = { ref, messages, params: promptParams(content) };
  if (content.model.route !== undefined) rendered.route = content.model.route;
  return rendered;
}
