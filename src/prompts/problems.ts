import type { z } from 'zod';
import { StrataError } from '../core/index.js';
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

/** Edit distance with a swap of neighbours counted as one edit (the commonest typo). */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev2: number[] = [];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[y.length]!;
}

/** The closest known word when it is close enough to be a typo of `word`. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
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
