/**
 * Incremental Server-Sent Events parser that yields each event's data. Network chunks may split lines (and
 * events) anywhere; a partial line is kept until its newline arrives. `event:`, `id:`, `retry:` and comments
 * are ignored: OpenAI-compatible servers put everything in `data:`.
 */
export class SseDataParser {
  private partial = '';
  private data: string | undefined;

  /** Feeds decoded text; appends the data of each completed event to `out`. */
  push(chunk: string, out: string[]): void {
    const text = this.partial.length > 0 ? this.partial + chunk : chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(text, start, end, out);
      start = nl + 1;
    }
    this.partial = start < text.length ? text.slice(start) : '';
  }

  /** Flushes a final line and event when the stream ended without a trailing blank line. */
  end(out: string[]): void {
    if (this.partial.length > 0) {
      const text = this.partial;
      this.partial = '';
      this.line(text, 0, text.length, out);
    }
    if (this.data !== undefined) {
      out.push(this.data);
      this.data = undefined;
    }
  }

  private line(text: string, start: number, end: number, out: string[]): void {
    if (start === end) {
      if (this.data !== undefined) {
        out.push(this.data);
        this.data = undefined;
      }
      return;
    }
    // "data:" = 100 97 116 97 58
    if (
      end - start >= 5 &&
      text.charCodeAt(start) === 100 &&
      text.charCodeAt(start + 1) === 97 &&
      text.charCodeAt(start + 2) === 116 &&
      text.charCodeAt(start + 3) === 97 &&
      text.charCodeAt(start + 4) === 58
    ) {
      const from = text.charCodeAt(start + 5) === 32 ? start + 6 : start + 5;
      const value = text.slice(from, end);
      this.data = this.data === undefined ? value : this.data + '\n' + value;
    }
  }
}
