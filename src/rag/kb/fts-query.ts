import { analyzeTerms } from '../../providers/local/index.js';

/**
 * Lexical analysis shared by indexing and querying: the project's analyser (lower case, stop words out,
 * a light stemmer), joined by spaces so FTS5's unicode61 tokenizer indexes exactly these terms.
 */
export function lexicalText(text: string): string {
  return analyzeTerms(text).join(' ');
}

/**
 * An FTS5 MATCH expression from analysed terms that cannot carry FTS syntax: every term becomes a quoted
 * string (a `"` inside doubled), joined with OR so that BM25 ranks by how many and how rare the matching terms
 * are — natural-language queries rarely have every word in one chunk.
 */
export function ftsMatchOf(terms: string[], maxTerms = 64): string | undefined {
  const unique = [...new Set(terms.filter((t) => t.length > 0))].slice(0, maxTerms);
  if (unique.length === 0) return undefined;
  return unique.map((w) => `"${w.replaceAll('"', '""')}"`).join(' OR ');
}
