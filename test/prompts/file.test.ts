import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StrataError } from '../../src/core/index.js';
import { loadPromptDir, parsePromptFile, promptContentHash, stringifyPromptContent, validatePromptContent, type PromptProblem } from '../../src/prompts/index.js';
import { caught } from '../helpers/caught.js';

const ANSWER = `# the issue's example
name: support/answer
type: chat
description: Answers customer questions from retrieved context
variables:
  question: { type: string, required: true }
  product: { type: string, default: Strata }
model: { route: support, temperature: 0 }
messages:
  - role: system
    content: You answer questions about {{product}} using only the sources given.
  - role: user
    content: "{{question}}"
`;

// The same prompt: other key order, block style, quoting, comments, tags in another order.
const ANSWER_REFORMATTED = `
type: chat
messages:
  - content: 'You answer questions about {{product}} using only the sources given.'
    role: system
  - {role: user, content: '{{question}}'}
model:
  temperature: 0.0
  route: "support"
variables:
  product:
    default: "Strata"
    type: string
  question:
    required: true
    type: string
name: support/answer
description: >-
  Answers customer questions
  from retrieved context
message: a commit message is not content
`;

function problemsOf(fn: () => unknown): PromptProblem[] {
  try {
    fn();
  } catch (e) {
    expect(e).toMatchObject({ code: 'invalid_request', status: 400 });
    return (e as StrataError).details!.problems as PromptProblem[];
  }
  throw new Error('expected a validation error');
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-prompts-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('prompt files', () => {
  it('parses the example into normalised content', () => {
    expect(parsePromptFile(ANSWER, 'answer.yaml')).toEqual({
      name: 'support/answer',
      type: 'chat',
      description: 'Answers customer questions from retrieved context',
      tags: [],
      variables: { product: { type: 'string', required: false, default: 'Strata' }, question: { type: 'string', required: true } },
      model: { route: 'support', temperature: 0 },
      messages: [
        { role: 'system', content: 'You answer questions about {{product}} using only the sources given.' },
        { role: 'user', content: '{{question}}' },
      ],
    });
  });

  it('hashes content, not formatting, key order, comments or the commit message', () => {
    const a = parsePromptFile(ANSWER, 'a.yaml');
    const b = parsePromptFile(ANSWER_REFORMATTED, 'b.yaml');
    expect(promptContentHash(b)).toBe(promptContentHash(a));
    expect(promptContentHash(a)).toMatch(/^[0-9a-f]{64}$/);
    const changed = parsePromptFile(ANSWER.replace('temperature: 0', 'temperature: 0.2'), 'c.yaml');
    expect(promptContentHash(changed)).not.toBe(promptContentHash(a));
    const tagged1 = parsePromptFile(`${ANSWER}tags: [b, a, b]\n`, 'd.yaml');
    const tagged2 = parsePromptFile(`${ANSWER}tags: [a, b]\n`, 'e.yaml');
    expect(tagged1.tags).toEqual(['a', 'b']);
    expect(promptContentHash(tagged1)).toBe(promptContentHash(tagged2));
  });

  it('writes content back as a file that parses to the same content', () => {
    const a = parsePromptFile(`${ANSWER}owner: team-support\ntags: [faq]\n`, 'a.yaml');
    const text = stringifyPromptContent(a, 'first');
    expect(text.split('\n').slice(0, 3)).toEqual(['name: support/answer', 'type: chat', 'description: Answers customer questions from retrieved context']);
    expect(parsePromptFile(text, 'again.yaml')).toEqual(a);
    const multi = parsePromptFile('name: m\ntype: text\ntemplate: |\n  line one\n  line two\n', 'm.yaml');
    expect(stringifyPromptContent(multi)).toContain('template: |\n  line one\n  line two\n');
  });

  it('lists every problem as source: path: message, with did-you-mean for unknown fields', () => {
    const text = `
name: Support/Answer
type: chat
descripton: typo
variables:
  question: { type: string, requird: true }
  9lives: { type: string }
  count: { type: integer, default: 2.5 }
  flag: { type: boolean, required: true, default: false }
model: { route: support, max_tokens: 10, temperature: 3 }
messages:
  - role: system
    content: Hello {{ product }} {{ questoin }}
  - role: robot
    content: "{{ unclosed"
`;
    let err: StrataError | undefined;
    try {
      parsePromptFile(text, 'prompts/bad.yaml');
    } catch (e) {
      err = e as StrataError;
    }
    expect(err?.code).toBe('invalid_request');
    const lines = err!.message.split('\n');
    expect(lines[0]).toBe('Invalid prompt prompts/bad.yaml:');
    expect(lines.slice(1).sort()).toEqual(
      [
        "  prompts/bad.yaml: descripton: unknown field (did you mean 'description'?)",
        "  prompts/bad.yaml: variables.question.requird: unknown field (did you mean 'required'?)",
        "  prompts/bad.yaml: model.max_tokens: unknown field (did you mean 'maxTokens'?)",
        '  prompts/bad.yaml: model.temperature: must be ≤ 2, got 3',
        "  prompts/bad.yaml: messages[1].role: expected one of system, user, assistant, got the string 'robot'",
      ].sort(),
    );
    // zod problems come first; the cross-field ones are reported once the shape is right
    const fixed = text.replace('descripton', 'description').replace('requird', 'required').replace('max_tokens', 'maxTokens').replace('temperature: 3', 'temperature: 1').replace('robot', 'user');
    expect(problemsOf(() => parsePromptFile(fixed, 'prompts/bad.yaml')).map((p) => `${p.path}: ${p.message}`)).toEqual([
      "name: invalid prompt name 'Support/Answer': use lower-case letters, digits, '.', '_' and '-' in '/'-separated parts, each starting with a letter or digit (at most 128 characters)",
      "variables[\"9lives\"]: invalid variable name: use a letter or '_' followed by letters, digits or '_'",
      'variables.count.default: expected an integer, got 2.5',
      "variables.flag: a required variable cannot have a default (drop 'required' or the default)",
      "messages[0].content: undeclared variable 'product' (declare it under 'variables')",
      "messages[0].content: undeclared variable 'questoin' (declare it under 'variables'); did you mean 'question'?",
      "messages[1].content: template syntax: unclosed '{{' (close it with '}}', or write '\\{{' for a literal '{{') at line 1, column 1",
    ]);
  });

  it('checks names, the body that goes with the type, and YAML itself', () => {
    const long = `name: ${'a'.repeat(129)}\ntype: text\ntemplate: x\n`;
    expect(problemsOf(() => parsePromptFile(long, 'l.yaml'))[0]!.path).toBe('name');
    for (const bad of ['/a', 'a//b', 'a/', '-a', 'a b', 'A']) {
      expect(problemsOf(() => parsePromptFile(`name: "${bad}"\ntype: text\ntemplate: x\n`, 'n.yaml'))[0]!.path).toBe('name');
    }
    expect(parsePromptFile('name: a.b_c-d/0e\ntype: text\ntemplate: x\n', 'ok.yaml').name).toBe('a.b_c-d/0e');
    expect(problemsOf(() => parsePromptFile('name: a\ntype: chat\ntemplate: x\n', 'c.yaml')).map((p) => p.path)).toEqual(['template', 'messages']);
    expect(problemsOf(() => parsePromptFile('name: a\ntype: text\nmessages: [{role: user, content: x}]\n', 't.yaml')).map((p) => p.path)).toEqual(['messages', 'template']);
    expect(problemsOf(() => parsePromptFile('name: a\ntype: poem\n', 'p.yaml'))).toEqual([{ source: 'p.yaml', path: 'type', message: "expected one of chat, text, got the string 'poem'" }]);
    const yaml = problemsOf(() => parsePromptFile('name: a\ntype: text\ntemplate: [unclosed\n', 'y.yaml'));
    expect(yaml[0]).toMatchObject({ source: 'y.yaml', path: '' });
    expect(yaml[0]!.message).toMatch(/^invalid YAML: .*line \d+, column \d+/);
    expect(problemsOf(() => parsePromptFile('name: a\nname: b\ntype: text\ntemplate: x\n', 'd.yaml'))[0]!.message).toMatch(/invalid YAML: Map keys must be unique/);
    expect(problemsOf(() => parsePromptFile('', 'e.yaml'))[0]!.message).toMatch(/got an empty file/);
    expect(problemsOf(() => parsePromptFile('- a\n- b\n', 'l.yaml'))[0]!.message).toMatch(/expected a mapping .* got a list/);
    expect(problemsOf(() => parsePromptFile('name: a\n', 'r.yaml'))).toEqual([{ source: 'r.yaml', path: 'type', message: 'required: one of chat, text' }]);
    expect(problemsOf(() => parsePromptFile('type: text\ntemplate: x\n', 'r.yaml'))).toEqual([{ source: 'r.yaml', path: 'name', message: 'required' }]);
  });

  it('validates content given as an object (the HTTP path) with the same rules', () => {
    const ok = validatePromptContent({ name: 'x', type: 'text', template: 'hi {{n}}', variables: { n: { type: 'string', required: true } } });
    expect(ok).toEqual({ name: 'x', type: 'text', template: 'hi {{n}}', tags: [], model: {}, variables: { n: { type: 'string', required: true } } });
    expect(problemsOf(() => validatePromptContent({ name: 'x', type: 'text', template: '{{n}}' }, 'body'))).toEqual([
      { source: 'body', path: 'template', message: "undeclared variable 'n' (declare it under 'variables')" },
    ]);
  });
});

describe('loadPromptDir', () => {
  it('reads every yaml and yml file, recursively and sorted, skipping hidden ones', async () => {
    const dir = tree({
      'support/answer.yaml': `${ANSWER}message: first version\n`,
      'b.yml': 'name: b\ntype: text\ntemplate: hello\n',
      'notes.md': 'not a prompt',
      '.git/x.yaml': 'garbage: [',
      'a/.hidden.yaml': 'garbage: [',
    });
    const { files } = await loadPromptDir(dir);
    expect(files.map((f) => [f.path.slice(dir.length + 1), f.content.name, f.message])).toEqual([
      ['b.yml', 'b', undefined],
      ['support/answer.yaml', 'support/answer', 'first version'],
    ]);
  });

  it('is all or nothing: every broken file is listed and no file is returned', async () => {
    const dir = tree({
      'good.yaml': 'name: good\ntype: text\ntemplate: fine\n',
      'broken.yaml': 'name: broken\ntype: text\ntemplate: "unterminated\n',
      'worse.yaml': 'name: worse\ntype: text\ntemplate: "{{ nope"\n',
    });
    const e = await caught(loadPromptDir(dir));
    expect(e.code).toBe('invalid_request');
    expect(e.message.split('\n')[0]).toBe('Invalid prompts in 2 files:');
    const problems = e.details!.problems as PromptProblem[];
    expect(problems.map((p) => p.source)).toEqual([join(dir, 'broken.yaml'), join(dir, 'worse.yaml')]);
    expect(e.message).toContain(`${join(dir, 'worse.yaml')}: template: template syntax: unclosed`);
  });

  it('refuses two files with one prompt name, naming both', async () => {
    const dir = tree({ 'a.yaml': 'name: same\ntype: text\ntemplate: one\n', 'b/c.yaml': 'name: same\ntype: text\ntemplate: two\n' });
    const e = await caught(loadPromptDir(dir));
    expect(e.message).toContain(`${join(dir, 'b/c.yaml')}: name: prompt 'same' is already defined in ${join(dir, 'a.yaml')}`);
  });

  it('says when the directory is missing or not a directory', async () => {
    await expect(loadPromptDir('/nonexistent/prompts')).rejects.toMatchObject({ code: 'invalid_request', message: 'No prompt directory at /nonexistent/prompts.' });
    const dir = tree({ 'a.yaml': 'name: a\ntype: text\ntemplate: x\n' });
    await expect(loadPromptDir(join(dir, 'a.yaml'))).rejects.toMatchObject({ message: expect.stringMatching(/is not a directory/) });
    expect((await loadPromptDir(tree({}))).files).toEqual([]);
  });
});
