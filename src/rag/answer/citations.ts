import { analyzeTerms } from '../../providers/local/index.js';
import type { RetrievalResult } from '../kb/index.js';
import type { Citation } from '../service-types.js';
import { splitAnswerParts } from './parts.js';

/**
 * A part with no `[n]` marker is attributed to the source that contains at least this share of its distinct
 * (analysed) terms; below it the part gets no citation rather than a guessed one.
 */
export const LEXICAL_SUPPORT_THRESHOLD = 0.5;
/** Parts with fewer distinct terms ("Yes.", "In short:") say too little to attribute lexically. */
const MIN_TERMS_FOR_SUPPORT = 2;

/** `[3]`, `[1, 2]`, `[1,2]` with the blanks before it (so removing it leaves no double space). */
const MARKER = /[ \t]*\[(\d{1,3}(?:[ \t]*,[ \t]*\d{1,3})*)\]/g;

interface Marker {
  /** offset in the cleaned text where the marker stood */
  at: number;
  sources: number[];
}

/**
 * Removes the citation markers that name real sources (1..count) and says where each stood. Markers that name
 * no retrieved source (`[2024]`, `[7]` of 5) are left in the text: they are not citations of ours.
 */
export function stripCitationMarkers(raw: string, count: number): { text: string; markers: Marker[] } {
  let out = '';
  let last = 0;
  const markers: Marker[] = [];
  for (const m of raw.matchAll(MARKER)) {
    const nums = m[1]!.split(',').map((s) => Number(s.trim()));
    if (nums.some((n) => n < 1 || n > count)) continue;
    out += raw.slice(last, m.index);
    markers.push({ at: out.length, sources: nums });
    last = m.index + m[0].length;
  }
  out += raw.slice(last);
  const lead = out.length - out.trimStart().length;
  const text = out.trim();
  for (const mk of markers) mk.at = Math.min(Math.max(0, mk.at - lead), text.length);
  return { text, markers };
}

/** Share of the part's distinct analysed terms that occur in the source. */
function supportShare(partTerms: ReadonlySet<string>, sourceTerms: ReadonlySet<string>): number {
  let found = 0;
  for (const t of partTerms) if (sourceTerms.has(t)) found++;
  return found / partTerms.size;
}

function reference(r: RetrievalResult): Citation['retrievedReferences'][number] {
  return { content: r.content, location: r.location, metadata: r.metadata };
}

/**
 * Turns a model's answer with `[n]` markers (n = position in `sources`, from 1) into Bedrock RetrieveAndGenerate's
 * output: the text without the markers, and one citation per part (sentence or line) that has support. A part's
 * markers name its references; a part without markers gets the source that lexically supports it best, if any
 * does well enough; otherwise it has no citation. Spans follow Bedrock: `start` is the offset of the part's first
 * character in the returned text and `end` the offset of its last character (inclusive), so
 * `text.slice(start, end + 1)` is the part.
 */
export function citeAnswer(raw: string, sources: readonly RetrievalResult[]): { text: string; citations: Citation[] } {
  const { text, markers } = stripCitationMarkers(raw, sources.length);
  const parts = splitAnswerParts(text);
  const cited: number[][] = parts.map(() => []);
  for (const mk of markers) {
    // a marker cites what precedes it: the last part that starts before it (the first part for a leading marker)
    let idx = 0;
    for (let i = 0; i < parts.length; i++) if (parts[i]!.start < mk.at) idx = i;
    if (parts.length > 0) cited[idx]!.push(...mk.sources);
  }
  let sourceTerms: Set<string>[] | undefined;
  const citations: Citation[] = [];
  parts.forEach((part, i) => {
    let refs = [...new Set(cited[i])];
    if (refs.length === 0) {
      const terms = new Set(analyzeTerms(part.text));
      if (terms.size >= MIN_TERMS_FOR_SUPPORT) {
        sourceTerms ??= sources.map((s) => new Set(analyzeTerms(s.content.text)));
        let best = -1;
        let bestShare = 0;
        sourceTerms.forEach((st, j) => {
          const share = supportShare(terms, st);
          if (share > bestShare) {
            best = j;
            bestShare = share;
          }
        });
        if (best >= 0 && bestShare >= LEXICAL_SUPPORT_THRESHOLD) refs = [best + 1];
      }
    }
    if (refs.length === 0) return;
    citations.push({
      generatedResponsePart: { textResponsePart: { text: part.text, span: { start: part.start, end: part.end - 1 } } },
      retrievedReferences: refs.map((n) => reference(sources[n - 1]!)),
    });
  });
  return { text, citations };
}
