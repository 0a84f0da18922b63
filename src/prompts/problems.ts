import type { z } from 'zod';
import { StrataError, suggest, valueAt } from '../core/index.js';
import { describeValue } from './template.js';

/** One thing wrong with a prompt file: which file, where in it (`messages[1].content`), and what. */
export interface PromptProblem {
  source: string;
  /** dotted path inside the file; '' for the file as a whole */
  path: string;
  message: string;
}

/** `source: path: message`, or `source: message` for the file as a whole. */
export function formatProblem(p: PromptProblem): string {
  return p.path === '' ? `${p.source}: ${p.message}` : `${p.source}: ${p.path}: ${p.message}`;
}

/** One invalid_request error listing every problem, one line each, with the list in details.problems. */
export function problemsError(problems: readonly PromptProblem[]): StrataError {
  const files = new Set(problems.map((p) => p.source));
  const head = files.size === 1 ? `Invalid prompt ${[...files][0]}` : `Invalid prompts in ${files.size} files`;
  return new StrataError('invalid_request', `${head}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`, {
    details: { problems: [...problems] },
  });
}

/** `messages[1].content`; keys that are not plain words are quoted: `variables["a b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** Readable problems from a zod error over `input`; `knownFields` names the fields allowed at a path. */
export function problemsFromZod(
  error: z.ZodError,
  input: unknown,
  source: string,
  knownFields: (path: readonly PropertyKey[]) => readonly string[],
): PromptProblem[] {
  return error.issues.flatMap((issue): PromptProblem[] => {
    const path = formatPath(issue.path);
    const value = valueAt(input, issue.path);
    const at = (message: string): PromptProblem[] => [{ source, path, message }];
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => {
          const known = knownFields(issue.path);
          const hint = suggest(key, known);
          const tail = hint !== undefined ? ` (did you mean '${hint}'?)` : ` (known: ${known.join(', ')})`;
          return { source, path: formatPath([...issue.path, key]), message: `unknown field${tail}` };
        });
      case 'invalid_type': {
        if (value === undefined) return at('required');
        const expected = issue.expected === 'int' ? 'an integer' : issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
        return at(`expected ${expected}, got ${describeValue(value)}`);
      }
      case 'invalid_value':
        if (value === undefined) return at(`required: one of ${issue.values.map(String).join(', ')}`);
        return at(`expected one of ${issue.values.map(String).join(', ')}, got ${describeValue(value)}`);
      case 'too_small':
        if (issue.origin === 'string') return at('must not be empty');
        if (issue.origin === 'array') return at(`must list at least ${Number(issue.minimum)}`);
        return at(`must be ${issue.inclusive ? '≥' : '>'} ${Number(issue.minimum)}, got ${describeValue(value)}`);
      case 'too_big':
        if (issue.origin === 'string') return at(`must be at most ${Number(issue.maximum)} characters`);
        if (issue.origin === 'array') return at(`must list at most ${Number(issue.maximum)}`);
        return at(`must be ${issue.inclusive ? '≤' : '<'} ${Number(issue.maximum)}, got ${describeValue(value)}`);
      default:
        return at(issue.message);
    }
  });
}
