import { describe, expect, it } from 'vitest';
import { StrataError } from '../../src/core/index.js';
import { parsePromptFile, parseTemplate, renderPrompt, TemplateSyntaxError, type PromptContent } from '../../src/prompts/index.js';

const SUPPORT = `
name: support/answer
type: chat
variables:
  question: { type: string, required: true }
  product: { type: string, default: Strata }
  limit: { type: integer, default: 3 }
  ratio: { type: number }
  verbose: { type: boolean }
model: { route: support, temperature: 0, maxTokens: 200, stop: ["END"] }
messages:
  - role: system
    content: You answer questions about {{product}} in at most {{ limit }} sentences.
  - role: user
    content: "{{question}}"
`;

function renderError(content: PromptContent, vars: Record<string, unknown>): StrataError {
  try {
    renderPrompt(content, vars, 'support/answer@1');
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  }
  throw new Error('expected render to fail');
}

function syntaxError(text: string): TemplateSyntaxError {
  try {
    parseTemplate(text);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateSyntaxError);
    return e as TemplateSyntaxError;
  }
  throw new Error('expected a syntax error');
}

describe('templates', () => {
  it('parses placeholders with or without blanks inside the braces', () => {
    expect(parseTemplate('Hi {{name}}, {{ name }} and {{\tother  }}!')).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'variable', name: 'name', offset: 3 },
      { kind: 'text', text: ', ' },
      { kind: 'variable', name: 'name', offset: 13 },
      { kind: 'text', text: ' and ' },
      { kind: 'variable', name: 'other', offset: 28 },
      { kind: 'text', text: '!' },
    ]);
  });

  it('reads \\{{ as a literal {{ and \\\\{{ as a backslash before a placeholder', () => {
    expect(parseTemplate('JSON: \\{{"a": 1}} done')).toEqual([{ kind: 'text', text: 'JSON: {{"a": 1}} done' }]);
    expect(parseTemplate('C:\\\\{{dir}}')).toEqual([
      { kind: 'text', text: 'C:\\' },
      { kind: 'variable', name: 'dir', offset: 4 },
    ]);
    expect(parseTemplate('\\\\\\{{x}}')).toEqual([{ kind: 'text', text: '\\{{x}}' }]);
    // backslashes elsewhere, and a stray }}, are plain text
    expect(parseTemplate('a\\nb }} c')).toEqual([{ kind: 'text', text: 'a\\nb }} c' }]);
  });

  it('reports syntax errors with their line and column', () => {
    const unclosed = syntaxError('line one\nsay {{ name');
    expect(unclosed).toMatchObject({ code: 'invalid_request', line: 2, column: 5, offset: 13 });
    expect(unclosed.message).toMatch(/^unclosed '\{\{'.* at line 2, column 5$/);
    expect(syntaxError('{{}}').message).toMatch(/^empty placeholder/);
    expect(syntaxError('x {{ user.name }}').message).toMatch(/^invalid placeholder ' user\.name ': a variable name is .* at line 1, column 3$/);
    expect(syntaxError('{{ 1abc }}').message).toMatch(/invalid placeholder/);
    expect(syntaxError('{{#if x}}').message).toMatch(/invalid placeholder/);
    expect(syntaxError('{{ a {{ b }}').message).toMatch(/invalid placeholder/);
  });
});

describe('renderPrompt', () => {
  const content = parsePromptFile(SUPPORT, 'support.yaml');

  it('fills variables, defaults and model parameters', () => {
    const r = renderPrompt(content, { question: 'How do I rotate keys?' }, 'support/answer@1');
    expect(r).toEqual({
      ref: 'support/answer@1',
      route: 'support',
      params: { temperature: 0, maxTokens: 200, stop: ['END'] },
      messages: [
        { role: 'system', content: 'You answer questions about Strata in at most 3 sentences.' },
        { role: 'user', content: 'How do I rotate keys?' },
      ],
    });
    const r2 = renderPrompt(content, { question: 'q', product: 'Acme', limit: 5, ratio: 0.5, verbose: false }, 'x@2');
    expect(r2.messages[0]!.content).toBe('You answer questions about Acme in at most 5 sentences.');
  });

  it('inserts values verbatim, with no HTML escaping', () => {
    const r = renderPrompt(content, { question: '<b>Tom & "Jerry"</b> \'{{product}}\'' }, 'r');
    expect(r.messages[1]!.content).toBe('<b>Tom & "Jerry"</b> \'{{product}}\'');
  });

  it('names a missing required variable', () => {
    const e = renderError(content, {});
    expect(e.code).toBe('invalid_request');
    expect(e.message).toBe("Cannot render prompt support/answer@1: missing required variable 'question' (string).");
    // undefined counts as not given
    expect(renderError(content, { question: undefined }).message).toMatch(/missing required variable 'question'/);
  });

  it('names an unknown variable and lists the declared ones', () => {
    const e = renderError(content, { question: 'q', questoin: 'typo' });
    expect(e.message).toBe("Cannot render prompt support/answer@1: unknown variable 'questoin' (declared: limit, product, question, ratio, verbose).");
  });

  it('refuses values of the wrong type, integers included', () => {
    expect(renderError(content, { question: 42 }).message).toMatch(/variable 'question' must be a string, got 42/);
    expect(renderError(content, { question: 'q', limit: 2.5 }).message).toMatch(/variable 'limit' must be an integer, got 2\.5/);
    expect(renderError(content, { question: 'q', limit: '3' }).message).toMatch(/variable 'limit' must be an integer, got the string '3'/);
    expect(renderError(content, { question: 'q', ratio: Number.NaN }).message).toMatch(/'ratio' must be a number/);
    expect(renderError(content, { question: 'q', verbose: 'yes' }).message).toMatch(/'verbose' must be a boolean/);
    expect(renderError(content, { question: null }).message).toMatch(/'question' must be a string, got null/);
  });

  it('reports every problem at once', () => {
    const e = renderError(content, { limit: 'x', extra: 1 });
    expect(e.details?.problems).toEqual([
      "unknown variable 'extra' (declared: limit, product, question, ratio, verbose)",
      "variable 'limit' must be an integer, got the string 'x'",
      "missing required variable 'question' (string)",
    ]);
  });

  it('renders numbers and booleans with String() and an optional variable without default as nothing', () => {
    const text = parsePromptFile(
      'name: t\ntype: text\nvariables:\n  n: { type: number }\n  b: { type: boolean }\n  s: { type: string }\ntemplate: "n={{n}} b={{b}} s=[{{s}}]"\n',
      't.yaml',
    );
    const r = renderPrompt(text, { n: 1e21, b: true }, 't@1');
    expect(r.messages).toEqual([{ role: 'user', content: 'n=1e+21 b=true s=[]' }]);
    expect(r.params).toEqual({});
    expect(r.route).toBeUndefined();
  });
});
