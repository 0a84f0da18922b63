import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { StrataError, suggest } from '../core/index.js';
import { formatPath, problemsError, problemsFromZod, type PromptProblem } from './problems.js';
import { VARIABLE_NAME_PATTERN, describeValue, matchesVariableType, parseTemplate, templateVariables, TemplateSyntaxError } from './template.js';
import type { PromptContent, PromptModelDefaults, VariableSpec } from './types.js';

/** Prompt names: path-like, lower case (`support/answer`), at most PROMPT_NAME_MAX characters. */
export const PROMPT_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;
export const PROMPT_NAME_MAX = 128;
const NAME_RULE = `use lower-case letters, digits, '.', '_' and '-' in '/'-separated parts, each starting with a letter or digit (at most ${PROMPT_NAME_MAX} characters)`;
/** Bounds the work a push (hashing, diffing) can be made to do. */
const MAX_FILE_BYTES = 256 * 1024;

const variableSchema = z.strictObject({
  type: z.enum(['string', 'number', 'integer', 'boolean']),
  required: z.boolean().optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  description: z.string().min(1).max(1000).optional(),
});

const modelSchema = z.strictObject({
  route: z.string().min(1).max(128).optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  maxTokens: z.int().min(1).optional(),
  stop: z.array(z.string().min(1)).min(1).max(8).optional(),
});

const messageSchema = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().min(1),
});

const fileSchema = z.strictObject({
  name: z.string().min(1),
  type: z.enum(['chat', 'text']),
  description: z.string().min(1).max(1000).optional(),
  owner: z.string().min(1).max(200).optional(),
  tags: z.array(z.string().min(1).max(64)).max(32).optional(),
  variables: z.record(z.string(), variableSchema).optional(),
  model: modelSchema.optional(),
  messages: z.array(messageSchema).min(1).optional(),
  template: z.string().min(1).optional(),
  /** the commit message: travels with the file but is not content */
  message: z.string().max(1000).optional(),
});

type PromptFileData = z.infer<typeof fileSchema>;

function knownFields(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return Object.keys(fileSchema.shape);
  if (path[0] === 'model') return Object.keys(modelSchema.shape);
  if (path[0] === 'variables') return Object.keys(variableSchema.shape);
  if (path[0] === 'messages') return Object.keys(messageSchema.shape);
  return [];
}

/** Cross-field rules zod cannot say well: names, type vs body, templates, declared variables, defaults. */
function semanticProblems(data: PromptFileData, source: string): PromptProblem[] {
  const problems: PromptProblem[] = [];
  const add = (path: PropertyKey[], message: string): void => {
    problems.push({ source, path: formatPath(path), message });
  };
  if (data.name.length > PROMPT_NAME_MAX || !PROMPT_NAME_PATTERN.test(data.name)) add(['name'], `invalid prompt name '${data.name.length > 60 ? `${data.name.slice(0, 57)}...` : data.name}': ${NAME_RULE}`);
  const variables = data.variables ?? {};
  for (const [name, spec] of Object.entries(variables)) {
    if (!VARIABLE_NAME_PATTERN.test(name)) add(['variables', name], "invalid variable name: use a letter or '_' followed by letters, digits or '_'");
    if (spec.default === undefined) continue;
    if (spec.required === true) add(['variables', name], "a required variable cannot have a default (drop 'required' or the default)");
    if (!matchesVariableType(spec.type, spec.default)) add(['variables', name, 'default'], `expected ${spec.type === 'integer' ? 'an integer' : `a ${spec.type}`}, got ${describeValue(spec.default)}`);
  }
  const bodies: { path: PropertyKey[]; text: string }[] = [];
  if (data.type === 'chat') {
    if (data.template !== undefined) add(['template'], "a chat prompt has 'messages', not a 'template' (or set type: text)");
    if (data.messages === undefined) add(['messages'], 'required for a chat prompt');
    data.messages?.forEach((m, i) => bodies.push({ path: ['messages', i, 'content'], text: m.content }));
  } else {
    if (data.messages !== undefined) add(['messages'], "a text prompt has a 'template', not 'messages' (or set type: chat)");
    if (data.template === undefined) add(['template'], 'required for a text prompt');
    else bodies.push({ path: ['template'], text: data.template });
  }
  const declared = Object.keys(variables);
  for (const body of bodies) {
    let used: string[];
    try {
      used = templateVariables(parseTemplate(body.text));
    } catch (e) {
      if (!(e instanceof TemplateSyntaxError)) throw e;
      add(body.path, `template syntax: ${e.message}`);
      continue;
    }
    for (const name of used) {
      if (Object.hasOwn(variables, name)) continue;
      const hint = suggest(name, declared);
      const tail = hint !== undefined ? `; did you mean '${hint}'?` : '';
      add(body.path, `undeclared variable '${name}' (declare it under 'variables')${tail}`);
    }
  }
  return problems;
}

/** The validated content in its one normal form: fixed key order, defaults filled in, tags sorted and unique. */
function normalise(data: PromptFileData): PromptContent {
  const variables: Record<string, VariableSpec> = {};
  for (const name of Object.keys(data.variables ?? {}).sort()) {
    const v = data.variables![name]!;
    const spec: VariableSpec = { type: v.type, required: v.required ?? false };
    if (v.default !== undefined) spec.default = v.default;
    if (v.description !== undefined) spec.description = v.description;
    variables[name] = spec;
  }
  const model: PromptModelDefaults = {};
  for (const key of ['route', 'temperature', 'topP', 'maxTokens', 'stop'] as const) {
    if (data.model?.[key] !== undefined) Object.assign(model, { [key]: data.model[key] });
  }
  const content: PromptContent = { name: data.name, type: data.type, tags: [...new Set(data.tags ?? [])].sort(), variables, model };
  if (data.description !== undefined) content.description = data.description;
  if (data.owner !== undefined) content.owner = data.owner;
  if (data.type === 'chat') content.messages = (data.messages ?? []).map((m) => ({ role: m.role, content: m.content }));
  else content.template = data.template;
  return content;
}

/** Validates prompt content (a parsed file, or content sent over HTTP), returning the problems instead of throwing. */
export function checkPromptContent(input: unknown, source: string): { content: PromptContent; message?: string } | { problems: PromptProblem[] } {
  const parsed = fileSchema.safeParse(input);
  if (!parsed.success) return { problems: problemsFromZod(parsed.error, input, source, knownFields) };
  const problems = semanticProblems(parsed.data, source);
  if (problems.length > 0) return { problems };
  const content = normalise(parsed.data);
  return parsed.data.message === undefined ? { content } : { content, message: parsed.data.message };
}

/** Validates prompt content (a parsed file, or content sent over HTTP) into its normal form, or throws invalid_request listing every problem. */
export function validatePromptContent(input: unknown, source = 'prompt'): PromptContent {
  const checked = checkPromptContent(input, source);
  if ('problems' in checked) throw problemsError(checked.problems);
  return checked.content;
}

function parseYaml(text: string, source: string): { value: unknown } | { problems: PromptProblem[] } {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) return { problems: [{ source, path: '', message: `file is larger than ${MAX_FILE_BYTES / 1024} KiB` }] };
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The first line of a pretty error already says "… at line L, column C"; the rest is a code excerpt.
    return { problems: doc.errors.map((e) => ({ source, path: '', message: `invalid YAML: ${e.message.split('\n')[0]!.replace(/:$/, '')}` })) };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (e) {
    return { problems: [{ source, path: '', message: `invalid YAML: ${(e as Error).message}` }] };
  }
}

/** Checks one prompt file's text: the content plus its commit message, or the problems found. */
function checkPromptFile(text: string, source: string): { content: PromptContent; message?: string } | { problems: PromptProblem[] } {
  const yaml = parseYaml(text, source);
  if ('problems' in yaml) return yaml;
  if (yaml.value === null || typeof yaml.value !== 'object' || Array.isArray(yaml.value)) {
    return { problems: [{ source, path: '', message: `expected a mapping with name, type and messages or template, got ${yaml.value === null || yaml.value === undefined ? 'an empty file' : describeValue(yaml.value)}` }] };
  }
  return checkPromptContent(yaml.value, source);
}

/** Parses and validates one prompt file (YAML); throws one invalid_request error listing every problem as `source: path: message`. */
export function parsePromptFile(text: string, source: string): PromptContent {
  const checked = checkPromptFile(text, source);
  if ('problems' in checked) throw problemsError(checked.problems);
  return checked.content;
}

/** A prompt file read from a directory. */
export interface LoadedPromptFile {
  path: string;
  content: PromptContent;
  message?: string;
}

async function yamlFiles(dir: string): Promise<string[]> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new StrataError('invalid_request', `No prompt directory at ${dir}.`);
  }
  if (!info.isDirectory()) throw new StrataError('invalid_request', `${dir} is not a directory; give the directory that holds the prompt files.`);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !/\.ya?ml$/i.test(entry.name)) continue;
    const full = join(entry.parentPath, entry.name);
    // Hidden files and folders (.git, editor backups) are not prompts.
    if (relative(dir, full).split(sep).some((part) => part.startsWith('.'))) continue;
    files.push(full);
  }
  return files.sort();
}

/**
 * Reads every `*.yaml` / `*.yml` under dir (recursively, sorted by path). All or nothing: any broken
 * file, or two files with one prompt name, throws one error listing every problem in every file.
 */
export async function loadPromptDir(dir: string): Promise<{ files: LoadedPromptFile[] }> {
  const files: LoadedPromptFile[] = [];
  const problems: PromptProblem[] = [];
  const byName = new Map<string, string>();
  for (const path of await yamlFiles(dir)) {
    const checked = checkPromptFile(await readFile(path, 'utf8'), path);
    if ('problems' in checked) {
      problems.push(...checked.problems);
      continue;
    }
    const first = byName.get(checked.content.name);
    if (first !== undefined) {
      problems.push({ source: path, path: 'name', message: `prompt '${checked.content.name}' is already defined in ${first}` });
      continue;
    }
    byName.set(checked.content.name, path);
    files.push(checked.message === undefined ? { path, content: checked.content } : { path, content: checked.content, message: checked.message });
  }
  if (problems.length > 0) throw problemsError(problems);
  return { files };
}

/** The content as a prompt file (YAML, fixed key order, long lines never folded): what `show` prints and `diff` compares. */
export function stringifyPromptContent(content: PromptContent, message?: string): string {
  const ordered: Record<string, unknown> = { name: content.name, type: content.type };
  if (content.description !== undefined) ordered.description = content.description;
  if (content.owner !== undefined) ordered.owner = content.owner;
  if (content.tags.length > 0) ordered.tags = content.tags;
  if (Object.keys(content.variables).length > 0) ordered.variables = content.variables;
  if (Object.keys(content.model).length > 0) ordered.model = content.model;
  if (content.messages !== undefined) ordered.messages = content.messages;
  if (content.template !== undefined) ordered.template = content.template;
  if (message !== undefined) ordered.message = message;
  return stringify(ordered, { lineWidth: 0 });
}
