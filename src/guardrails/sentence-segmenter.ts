/** Sentences shorter than this wait for the next one: every released piece costs one pass of the checks. */
const MIN_SENTENCE = 40;
/** Text without a sentence end is released at the last space before this many characters. */
const MAX_SENTENCE = 400;

/** A sentence end: terminal punctuation (closing quotes or brackets may follow) then whitespace, or a line break. */
const SENTENCE_END = /[.!?。！？…][)"'’”\]]*\s|\n/g;

/**
 * Splits streamed text into sentences as it arrives, so checks that work on whole words and sentences (word
 * filters, topics) can run before the text is sent. The pieces, concatenated, are exactly the input.
 */
export class SentenceSegmenter {
  #buf = '';

  /** Adds a delta; returns the sentences it completed (often none). */
  push(delta: string): string[] {
    this.#buf += delta;
    const out: string[] = [];
    for (let cut = this.#cut(); cut > 0; cut = this.#cut()) {
      out.push(this.#buf.slice(0, cut));
      this.#buf = this.#buf.slice(cut);
    }
    return out;
  }

  /** Whatever is left (the last, unterminated sentence). */
  flush(): string {
    const rest = this.#buf;
    this.#buf = '';
    return rest;
  }

  #cut(): number {
    const b = this.#buf;
    SENTENCE_END.lastIndex = 0;
    for (let m = SENTENCE_END.exec(b); m !== null && m.index < MAX_SENTENCE; m = SENTENCE_END.exec(b)) {
      const end = m.index + m[0].length;
      if (end >= MIN_SENTENCE) return end;
    }
    if (b.length <= MAX_SENTENCE) return 0;
    const space = b.lastIndexOf(' ', MAX_SENTENCE);
    return space > 0 ? space + 1 : MAX_SENTENCE;
  }
}
