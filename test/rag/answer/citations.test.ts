import { describe, expect, it } from 'vitest';
import { citeAnswer, splitAnswerParts, stripCitationMarkers } from '../../../src/rag/answer/index.js';
import type { RetrievalResult } from '../../../src/rag/kb/index.js';

function chunk(id: string, text: string): RetrievalResult {
  return {
    content: { text, type: 'TEXT' },
    location: { type: 'CUSTOM', customDocumentLocation: { id } },
    metadata: { source: `${id}.md`, 'x-strata-chunk': 0 },
    score: 1,
  };
}

const sources = [
  chunk('refunds', 'Customers may return laptops within 30 days of delivery for a full refund. Opened software cannot be returned.'),
  chunk('shipping', 'Standard shipping takes 3 to 5 business days. Express shipping arrives the next business day.'),
  chunk('warranty', 'Every laptop carries a two-year limited warranty covering manufacturing defects.'),
];

/** Bedrock's convention: span.end is the offset of the part's last character. */
function spanText(text: string, span: { start: number; end: number }): string {
  return text.slice(span.start, span.end + 1);
}

describe('citeAnswer', () => {
  it('removes the [n] markers and points each span at the exact part of the returned text', () => {
    const raw = 'Laptops can be returned within 30 days of delivery for a full refund. [1] Express shipping arrives the next business day. [2]';
    const { text, citations } = citeAnswer(raw, sources);
    expect(text).toBe('Laptops can be returned within 30 days of delivery for a full refund. Express shipping arrives the next business day.');
    expect(text).not.toMatch(/\[\d\]/);
    expect(citations).toHaveLength(2);
    for (const c of citations) {
      const part = c.generatedResponsePart.textResponsePart;
      expect(spanText(text, part.span)).toBe(part.text);
    }
    expect(citations[0]!.retrievedReferences.map((r) => r.location.customDocumentLocation.id)).toEqual(['refunds']);
    expect(citations[1]!.retrievedReferences.map((r) => r.location.customDocumentLocation.id)).toEqual(['shipping']);
    // references are the retrieved chunks themselves (content, location, metadata), without the score
    expect(citations[1]!.retrievedReferences[0]).toEqual({ content: sources[1]!.content, location: sources[1]!.location, metadata: sources[1]!.metadata });
  });

  it('handles markers before the period, grouped markers and a part citing two sources', () => {
    const raw = 'Laptops have a 30 day refund window and a two-year warranty [1, 3]. Shipping takes 3 to 5 business days [2][2].';
    const { text, citations } = citeAnswer(raw, sources);
    expect(text).toBe('Laptops have a 30 day refund window and a two-year warranty. Shipping takes 3 to 5 business days.');
    expect(citations.map((c) => c.retrievedReferences.map((r) => r.location.customDocumentLocation.id))).toEqual([['refunds', 'warranty'], ['shipping']]);
    for (const c of citations) expect(spanText(text, c.generatedResponsePart.textResponsePart.span)).toBe(c.generatedResponsePart.textResponsePart.text);
  });

  it('attributes an unmarked sentence to the source that supports it lexically, and cites nothing it cannot support', () => {
    const raw = 'Every laptop has a two-year limited warranty covering manufacturing defects. The moon is made of cheese.';
    const { text, citations } = citeAnswer(raw, sources);
    expect(text).toBe(raw);
    expect(citations).toHaveLength(1);
    expect(citations[0]!.generatedResponsePart.textResponsePart.text).toBe('Every laptop has a two-year limited warranty covering manufacturing defects.');
    expect(citations[0]!.retrievedReferences[0]!.location.customDocumentLocation.id).toBe('warranty');
  });

  it('leaves markers that name no retrieved source in the text and does not cite them', () => {
    const { text, citations } = citeAnswer('The policy changed in the [2024] revision [7].', sources);
    expect(text).toBe('The policy changed in the [2024] revision [7].');
    expect(citations).toEqual([]);
  });

  it('a leading marker cites the first sentence; spans stay exact after trimming', () => {
    const { text, citations } = citeAnswer('  [2] Standard shipping takes 3 to 5 business days.', sources);
    expect(text).toBe('Standard shipping takes 3 to 5 business days.');
    expect(citations[0]!.generatedResponsePart.textResponsePart.span).toEqual({ start: 0, end: text.length - 1 });
  });

  it('an answer with no supportable content has no citations', () => {
    expect(citeAnswer('I do not know.', sources).citations).toEqual([]);
    expect(citeAnswer('', sources)).toEqual({ text: '', citations: [] });
  });
});

describe('splitAnswerParts', () => {
  it('splits sentences and lines with exact offsets, not at abbreviations or decimals', () => {
    const text = 'Use e.g. Titan v2.5 for this. Then re-run!\n- item one\n\nDr. Li said so? Yes.';
    const parts = splitAnswerParts(text);
    expect(parts.map((p) => p.text)).toEqual(['Use e.g. Titan v2.5 for this.', 'Then re-run!', '- item one', 'Dr. Li said so?', 'Yes.']);
    for (const p of parts) expect(text.slice(p.start, p.end)).toBe(p.text);
  });
});

describe('stripCitationMarkers', () => {
  it('records where each marker stood in the cleaned text', () => {
    const { text, markers } = stripCitationMarkers('A b c [1]. D e f. [2]', 2);
    expect(text).toBe('A b c. D e f.');
    expect(markers).toEqual([
      { at: 5, sources: [1] },
      { at: 13, sources: [2] },
    ]);
  });
});
