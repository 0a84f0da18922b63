// Redaction of streamed text (model output arriving in deltas). Text is emitted only up to a cut point that no
// entity can straddle, so the concatenated output equals redacting the whole text at once.
//
// Why the bounds are enough: a finding depends only on its own characters, on CONTEXT_BEFORE (or NAME_LOOKBEHIND)
// characters before it and CONTEXT_AFTER after it. Detection runs on [retained lookback | pending text]:
//  - the cut is placed at least HOLD characters before the end of what has arrived, and moved back to a
//    whitespace boundary, so a token is never split and every entity that could start before the cut
//    (up to MAX_ENTITY long, plus its after-context) has fully arrived;
//  - if a finding straddles the cut, the cut moves to its start (so long URLs cannot be split either);
//  - LOOKBACK characters of emitted text are kept, so a candidate starting up to MAX_ENTITY before the next cut
//    still sees the same before-context as in the whole text, and scores the same.
import { StrataError } from '../../core/index.js';
import { CONTEXT_AFTER, CONTEXT_BEFORE } from './recognizer.js';
import { NAME_LOOKBEHIND } from './names.js';
import { PiiDetector, type PiiDetectorOptions } from './detector.js';
import { PseudonymTable, redactPii } from './redact.js';
import type { PiiFinding } from './types.js';

/** The longest entity the bounds are designed for (a full address line with unit, city, state and ZIP). */
export const MAX_ENTITY = 160;
/** Characters withheld from the end of the arrived text. */
export const HOLD = MAX_ENTITY + CONTEXT_AFTER + 32;
/** Characters of emitted text kept for context. */
export const LOOKBACK = MAX_ENTITY + Math.max(CONTEXT_BEFORE, NAME_LOOKBEHIND) + 32;
/** Past this much pending text with no whitespace, a cut is forced (a base64 blob must not hold the stream). */
const MAX_PENDING = 64 * 1024;

export interface PiiStreamRedactorOptions {
  mode?: 'tag' | 'pseudonym';
  /** share the request's table so the streamed answer numbers values like the prompt */
  pseudonyms?: PseudonymTable;
}

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 9 || c === 13;

/** Redacts a stream of text deltas; call push() per delta and flush() once at the end. */
export class PiiStreamRedactor {
  private readonly detector: PiiDetector;
  private readonly mode: 'tag' | 'pseudonym';
  private readonly table: PseudonymTable;
  private buf = '';
  private emitFrom = 0;
  private done = false;

  constructor(detector: PiiDetector | PiiDetectorOptions = {}, opts: PiiStreamRedactorOptions = {}) {
    this.detector = detector instanceof PiiDetector ? detector : new PiiDetector(detector);
    this.mode = opts.mode ?? 'tag';
    this.table = opts.pseudonyms ?? new PseudonymTable();
  }

  /** Adds a delta; returns the redacted text that is now safe to send (often empty). */
  push(delta: string): string {
    if (this.done) throw new StrataError('invalid_request', 'PiiStreamRedactor.push after flush: create one redactor per stream.');
    this.buf += delta;
    // detect only once a full HOLD beyond the last cut has arrived, so work stays linear in the stream length
    if (this.buf.length - this.emitFrom < 2 * HOLD) return '';
    const findings = this.detector.detect(this.buf);
    const cut = this.safeCut(findings);
    if (cut <= this.emitFrom) return '';
    return this.emit(findings, cut);
  }

  /** Emits everything still held back. */
  flush(): string {
    if (this.done) return '';
    this.done = true;
    if (this.buf.length === this.emitFrom) return '';
    return this.emit(this.detector.detect(this.buf), this.buf.length);
  }

  private safeCut(findings: readonly PiiFinding[]): number {
    const b = this.buf;
    let cut = b.length - HOLD;
    for (;;) {
      const before = cut;
      // back to just after a whitespace character
      while (cut > this.emitFrom && !isSpace(b.charCodeAt(cut - 1))) cut--;
      if (cut <= this.emitFrom && b.length - this.emitFrom > MAX_PENDING) cut = b.length - HOLD;
      for (const f of findings) if (f.start < cut && f.end > cut) cut = f.start;
      if (cut === before || cut <= this.emitFrom) return cut;
    }
  }

  private emit(findings: readonly PiiFinding[], cut: number): string {
    const from = this.emitFrom;
    const mine: PiiFinding[] = [];
    for (const f of findings) {
      if (f.start >= from && f.end <= cut) mine.push({ ...f, start: f.start - from, end: f.end - from });
    }
    const out = redactPii(this.buf.slice(from, cut), mine, { mode: this.mode, pseudonyms: this.table });
    let keep = cut - LOOKBACK;
    if (keep < 0) keep = 0;
    // the kept context starts at a token boundary, as the whole text would have it
    while (keep > 0 && !isSpace(this.buf.charCodeAt(keep - 1))) keep--;
    this.buf = this.buf.slice(keep);
    this.emitFrom = cut - keep;
    return out;
  }
}
