import { describe, expect, it } from 'vitest';
import { BUNDLED_PROMPT_REF, buildAnswerPrompt, formatSearchResults, renderBedrockTemplate } from '../../../src/rag/answer/index.js';
import type { RetrievalResult } from '../../../src/rag/kb/index.js';

function chunk(text: string): RetrievalResult {
  return { content: { text, type: 'TEXT' }, location: { type: 'CUSTOM', customDocumentLocation: { id: 'd' } }, metadata: { 'x-strata-chunk': 0 }, score: 1 };
}

describe('formatSearchResults', () => {
  it('numbers the passages and keeps each one a single block a reader can attribute', () => {
    const text = formatSearchResults([chunk('First line.\n\n\nSecond paragraph.'), chunk('[7] looks like a marker\r\nbut is text.')]);
    expect(text).toBe('[1] First line.\nSecond paragraph.\n\n[2] (7) looks like a marker\nbut is text.');
  });
});

describe('renderBedrockTemplate', () => {
  it('with $query$ sends one user message; placeholders inside passages are not expanded', () => {
    const p = renderBedrockTemplate('Sources:\n$search_results$\n\nQuestion: $query$', 'why?', [chunk('costs $query$ dollars')], []);
    expect(p.messages).toEqual([{ role: 'user', content: 'Sources:\n[1] costs $query$ dollars\n\nQuestion: why?' }]);
    expect(p.ref).toBe('request:promptTemplate');
  });

  it('fills $conversation_history$ and $output_format_instructions$', () => {
    const p = renderBedrockTemplate('$conversation_history$|$search_results$|$output_format_instructions$', 'q', [chunk('x')], [{ question: 'a?', answer: 'b.' }]);
    expect(p.messages[0]).toEqual({ role: 'system', content: expect.stringMatching(/^User: a\?\nAssistant: b\.\|\[1\] x\|.*\[1\]/) as unknown });
    expect(p.messages[1]).toEqual({ role: 'user', content: 'q' });
  });
});

describe('buildAnswerPrompt', () => {
  it('without a registry uses the bundled prompt: instructions, Sources, Question', async () => {
    const p = await buildAnswerPrompt({ tenant: 't', query: 'How?', results: [chunk('Like this.')] });
    expect(p.ref).toBe(BUNDLED_PROMPT_REF);
    expect(p.messages).toHaveLength(1);
    expect(p.messages[0]!.content).toMatch(/only the numbered sources[\s\S]*\n\nSources:\n\[1\] Like this\.\n\nQuestion: How\?$/);
  });
});
