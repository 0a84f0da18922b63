import { StrataError, countTokens, rememberTokenCount } from '../../core/index.js';
import { validateChunkingConfig } from './config.js';
import { markdownSections, sectionIndexAt, type Section } from './markdown.js';
import { lexicalSentenceEmbedder, semanticBreakpoints } from './semantic.js';
import { splitSentences, trimSpan, type TextSpan } from './sentences.js';
import type { Chunk, ChunkInput, ChunkOptions, ChunkResult, ChunkingConfig } from './types.js';
import { BOUNDARY, buildUnits, type TokenUnits } from './units.js';
import { windowUnits, type CutRule, type UnitSpan, type WindowParams } from './window.js';

/*
 * Cut preferences, as a fraction of the window that must be filled before a cut of that kind is taken:
 * a paragraph end anywhere past the first quarter, a sentence end in the last half, else the last word
 * boundary, else mid-word. Every cut also leaves room for the overlap plus one unit, so that the next
 * window starts strictly later and the overlap can really be repeated.
 */
function cutRules(maxTokens: number, overlapTokens: number, unitCap: number, paragraphs: boolean): CutRule[] {
  const floor = overlapTokens + unitCap;
  const rules: CutRule[] = [];
  if (paragraphs) rules.push({ kind: BOUNDARY.PARAGRAPH, minFill: Math.max(0.25 * maxTokens, floor) });
  rules.push({ kind: BOUNDARY.SENTENCE, minFill: Math.max(0.5 * maxTokens, floor) });
  rules.push({ kind: BOUNDARY.WORD, minFill: Math.max(1, floor) });
  return rules;
}

/** A unit may hold a quarter of the smallest window (and 4..16 tokens): long words split below that. */
function unitCapFor(smallestMax: number): number {
  return Math.max(4, Math.min(16, Math.floor(smallestMax / 4)));
}

function windowParams(maxTokens: number, overlapRatio: number, unitCap: number, paragraphs: boolean): WindowParams {
  const overlapTokens = Math.round(overlapRatio * maxTokens);
  return { maxTokens, overlapTokens, cutRules: cutRules(maxTokens, overlapTokens, unitCap, paragraphs) };
}

function checkInput(input: ChunkInput): void {
  if (typeof input.documentId !== 'string' || typeof input.text !== 'string') {
    throw new StrataError('invalid_request', 'A document to chunk needs a string documentId and a string text.');
  }
  const starts = input.pageStarts;
  if (starts === undefined) return;
  let prev = 0;
  for (const s of starts) {
    if (!Number.isInteger(s) || s < prev || s > input.text.length) {
      throw new StrataError(
        'invalid_request',
        `pageStarts must be ascending integer offsets within the text (0..${input.text.length}); got ${JSON.stringify(s)}.`,
      );
    }
    prev = s;
  }
}

/** 1-based page holding offset: the last page whose start is at or before it (text before page 1 is page 1). */
function pageAt(pageStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = pageStarts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pageStarts[mid]! <= offset) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(1, lo);
}

class ChunkBuilder {
  constructor(
    private readonly input: ChunkInput,
    private readonly sections: readonly Section[],
  ) {}

  make(span: TextSpan & { text?: string; tokens?: number }, ordinal: number, parentOrdinal?: number): Chunk {
    const text = span.text ?? this.input.text.slice(span.start, span.end);
    const tokenCount = span.tokens ?? countTokens(text);
    // the embedder reports usage for this very text next: let its count be a lookup
    if (span.tokens !== undefined) rememberTokenCount(text, tokenCount);
    const chunk: Chunk = {
      documentId: this.input.documentId,
      ordinal,
      text,
      tokenCount,
      start: span.start,
      end: span.end,
      headingPath: this.sections[sectionIndexAt(this.sections, span.start)]!.path.slice(),
    };
    if (this.input.pageStarts !== undefined && this.input.pageStarts.length > 0) {
      chunk.page = pageAt(this.input.pageStarts, span.start);
    }
    if (parentOrdinal !== undefined) chunk.parentOrdinal = parentOrdinal;
    return chunk;
  }

  all(spans: readonly UnitSpan[]): Chunk[] {
    return spans.map((s, i) => this.make(s, i));
  }
}

/** Smallest unit index whose end is after offset. */
function unitEndingAfter(u: TokenUnits, offset: number): number {
  let lo = 0;
  let hi = u.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u.end[mid]! > offset) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Chunks per Markdown section, never across one, so each chunk's heading path is exact. */
function recursiveSpans(text: string, u: TokenUnits, sections: readonly Section[], params: WindowParams): UnitSpan[] {
  const out: UnitSpan[] = [];
  for (let s = 0; s < sections.length; s++) {
    const from = unitEndingAfter(u, sections[s]!.start);
    const next = sections[s + 1];
    const to = next === undefined ? u.count : unitEndingAfter(u, next.start);
    out.push(...windowUnits(text, u, from, to, params));
  }
  return out;
}

function semanticSpans(
  text: string,
  u: TokenUnits,
  sentences: readonly TextSpan[],
  maxTokens: number,
  breakpointPercentile: number,
  unitCap: number,
  opts: ChunkOptions,
): UnitSpan[] {
  const breaks = semanticBreakpoints(
    sentences.map((s) => text.slice(s.start, s.end)),
    opts.embed ?? lexicalSentenceEmbedder,
    breakpointPercentile,
  );
  // A group too large for one chunk is windowed without overlap, preferring its sentence ends.
  const split: WindowParams = { maxTokens, overlapTokens: 0, cutRules: cutRules(maxTokens, 0, unitCap, false) };
  const out: UnitSpan[] = [];
  let first = 0;
  for (const last of [...breaks, sentences.length - 1]) {
    const start = sentences[first]!.start;
    const end = sentences[last]!.end;
    first = last + 1;
    const groupText = text.slice(start, end);
    const tokens = u.spans.count(start, end);
    const from = unitEndingAfter(u, start);
    const to = unitEndingAfter(u, end - 1) + 1;
    if (tokens <= maxTokens) out.push({ first: from, last: to - 1, start, end, tokens, text: groupText });
    else out.push(...windowUnits(text, u, from, to, split));
  }
  return out;
}

/**
 * Splits a document into chunks by the configured strategy (see README "Chunking"). Offsets are exact
 * UTF-16 offsets (chunk.text === input.text.slice(start, end)), chunks are trimmed of surrounding
 * whitespace, and a whitespace-only document has no chunks. Only `none` may exceed a token maximum: it
 * returns the whole text as one chunk by definition, so callers that embed it must check tokenCount.
 */
export function chunkDocument(input: ChunkInput, config: ChunkingConfig, opts: ChunkOptions = {}): ChunkResult {
  const cfg = validateChunkingConfig(config);
  checkInput(input);
  const { text } = input;
  const sections = markdownSections(text);
  const builder = new ChunkBuilder(input, sections);
  if (cfg.strategy === 'none') {
    const whole = trimSpan(text, 0, text.length);
    return { chunks: whole === undefined ? [] : [builder.make(whole, 0)] };
  }
  const smallestMax = cfg.strategy === 'hierarchical' ? cfg.childTokens : cfg.maxTokens;
  const unitCap = unitCapFor(smallestMax);
  const sentences = splitSentences(text);
  const units = buildUnits(text, {
    sentenceEnds: sentences.map((s) => s.end),
    blockStarts: sections.map((s) => s.start).filter((s) => s > 0),
    unitTokenCap: unitCap,
  });
  switch (cfg.strategy) {
    case 'fixed':
      return { chunks: builder.all(windowUnits(text, units, 0, units.count, windowParams(cfg.maxTokens, cfg.overlapRatio, unitCap, false))) };
    case 'recursive':
      return { chunks: builder.all(recursiveSpans(text, units, sections, windowParams(cfg.maxTokens, cfg.overlapRatio, unitCap, true))) };
    case 'semantic':
      if (sentences.length === 0) return { chunks: [] };
      return { chunks: builder.all(semanticSpans(text, units, sentences, cfg.maxTokens, cfg.breakpointPercentile, unitCap, opts)) };
    case 'hierarchical': {
      const parentSpans = windowUnits(text, units, 0, units.count, windowParams(cfg.parentTokens, cfg.overlapRatio, unitCap, false));
      const childParams = windowParams(cfg.childTokens, cfg.overlapRatio, unitCap, false);
      const chunks: Chunk[] = [];
      parentSpans.forEach((p, parentOrdinal) => {
        for (const c of windowUnits(text, units, p.first, p.last + 1, childParams)) {
          chunks.push(builder.make(c, chunks.length, parentOrdinal));
        }
      });
      return { chunks, parents: builder.all(parentSpans) };
    }
  }
}
