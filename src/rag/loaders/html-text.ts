import { C1_REMAP, decodeEntities } from './entities.js';

/*
 * A tolerant HTML → readable text extractor. A DOM library (parse5, cheerio, jsdom) would be
 * 10–100× the code for what ingestion needs: the visible prose, in order, with block boundaries
 * as newlines. Real-world HTML is often broken, so nothing here throws: unclosed tags end at the
 * end of input, stray `<` is text, and an unclosed <head> ends where body content starts.
 * Headings become Markdown `#` lines so that the recursive chunker finds the same heading
 * structure it finds in .md files.
 */

/** Elements whose whole content is not readable text. */
const DROPPED = new Set(['script', 'style', 'nav', 'head', 'noscript', 'template', 'svg', 'iframe', 'object', 'math']);
/** Their content is raw text: a `<` inside does not open a tag, only the matching end tag ends it. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript', 'iframe', 'noembed', 'noframes']);
/** What may appear inside <head>; anything else means the author left </head> out. */
const HEAD_CONTENT = new Set(['title', 'meta', 'link', 'style', 'script', 'base', 'noscript', 'template']);
/** Blocks separated by a blank line. */
const PARAGRAPH = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'blockquote', 'table', 'ul', 'ol', 'dl', 'figure', 'hr', 'section', 'article', 'header', 'footer', 'main', 'aside', 'details', 'address', 'form', 'fieldset']);
/** Blocks separated by a single newline. */
const LINE = new Set(['div', 'li', 'tr', 'dt', 'dd', 'br', 'caption', 'figcaption', 'summary', 'legend', 'option', 'body', 'html', 'center', 'thead', 'tbody', 'tfoot']);
const CELL = new Set(['td', 'th']);
/** A start or end tag at a given position (sticky); quoted attribute values may hold `>`. */
const TAG_RE = /<(\/?)([A-Za-z][A-Za-z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)(>|$)/y;
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

export interface HtmlText {
  title?: string;
  text: string;
}

/** Builds the output, collapsing whitespace outside <pre> and merging adjacent breaks. */
class TextSink {
  #out = '';
  /** pending break: 0 none, 1 newline, 2 blank line */
  #pendingBreak = 0;
  #pendingSpace = false;

  text(raw: string, preformatted: boolean): void {
    if (preformatted) {
      if (raw.length === 0) return;
      this.#flush();
      this.#out += raw;
      return;
    }
    const parts = raw.split(/[ \t\n\r\f]+/);
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) this.#pendingSpace = true;
      const word = parts[i] ?? '';
      if (word.length === 0) continue;
      this.#flush();
      this.#out += word;
    }
  }

  /** Requests a block boundary; the stronger of two adjacent requests wins. */
  brk(kind: 1 | 2): void {
    this.#pendingBreak = Math.max(this.#pendingBreak, kind);
  }

  /** Inline separator (table cells): a tab unless a line break is pending. */
  tab(): void {
    if (this.#pendingBreak === 0 && this.#out.length > 0 && !this.#out.endsWith('\n')) {
      this.#out += '\t';
      this.#pendingSpace = false;
    }
  }

  #flush(): void {
    if (this.#out.length > 0 && this.#pendingBreak > 0) {
      this.#out = this.#out.replace(/[ \t]+$/, '');
      this.#out += this.#pendingBreak === 2 ? '\n\n' : '\n';
    } else if (this.#pendingSpace && this.#out.length > 0 && !/[\s]$/.test(this.#out)) {
      this.#out += ' ';
    }
    this.#pendingBreak = 0;
    this.#pendingSpace = false;
  }

  result(): string {
    return this.#out
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  }
}

/** Extracts the readable text and the <title> of an HTML document. */
export function htmlToText(html: string): HtmlText {
  const sink = new TextSink();
  let title: string | undefined;
  let firstH1: string | undefined;
  let h1Buffer: string | null = null;
  /** name of the dropped element being skipped and its nesting depth */
  let dropped: { name: string; depth: number } | null = null;
  let preDepth = 0;
  let inHead = false;
  let i = 0;

  const emit = (raw: string): void => {
    if (dropped !== null || raw.length === 0) return;
    if (inHead) {
      // text inside <head> starts the body, as browsers do; whitespace between head tags does not
      if (/^\s*$/.test(raw)) return;
      inHead = false;
    }
    const decoded = decodeEntities(raw);
    if (h1Buffer !== null) h1Buffer += decoded;
    sink.text(decoded, preDepth > 0);
  };

  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      emit(html.slice(i));
      break;
    }
    emit(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    if (html.startsWith('<![CDATA[', lt)) {
      const end = html.indexOf(']]>', lt + 9);
      emit(html.slice(lt + 9, end < 0 ? html.length : end));
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    TAG_RE.lastIndex = lt;
    const tag = TAG_RE.exec(html);
    if (tag === null) {
      if (/^<[!?]/.test(html.slice(lt, lt + 2))) {
        // doctype or processing instruction: skip to its end
        const end = html.indexOf('>', lt);
        i = end < 0 ? html.length : end + 1;
      } else {
        emit('<');
        i = lt + 1;
      }
      continue;
    }
    i = lt + tag[0].length;
    const closing = tag[1] === '/';
    const name = (tag[2] ?? '').toLowerCase();
    const selfClosing = (tag[3] ?? '').trimEnd().endsWith('/') || VOID.has(name);

    if (!closing && RAW_TEXT.has(name) && !selfClosing) {
      // raw text runs to the matching end tag whatever it contains
      const endRe = new RegExp(`</${name}\\s*>`, 'i');
      const rest = html.slice(i);
      const m = endRe.exec(rest);
      const body = m === null ? rest : rest.slice(0, m.index);
      i = m === null ? html.length : i + m.index + m[0].length;
      if (name === 'title') {
        // an <svg> has <title>s of its own: only the document's counts
        if (dropped === null) title ??= decodeEntities(body).replace(/\s+/g, ' ').trim() || undefined;
        continue;
      }
      if (name === 'textarea' || name === 'xmp') {
        sink.brk(1);
        emit(body);
        sink.brk(1);
      }
      continue;
    }

    if (inHead && !closing && !HEAD_CONTENT.has(name)) inHead = false;
    if (name === 'head') {
      inHead = !closing && !selfClosing;
      continue;
    }
    if (inHead) continue;

    if (dropped !== null) {
      if (name === dropped.name && !selfClosing) {
        dropped.depth += closing ? -1 : 1;
        if (dropped.depth === 0) dropped = null;
      }
      continue;
    }
    if (!closing && DROPPED.has(name) && !selfClosing) {
      dropped = { name, depth: 1 };
      continue;
    }

    if (name === 'pre') preDepth = Math.max(0, preDepth + (closing ? -1 : selfClosing ? 0 : 1));
    if (/^h[1-6]$/.test(name)) {
      sink.brk(2);
      if (!closing) {
        sink.text('#'.repeat(Number(name[1])) + ' ', false);
        if (name === 'h1' && firstH1 === undefined) h1Buffer = '';
      } else if (h1Buffer !== null) {
        firstH1 = h1Buffer.replace(/\s+/g, ' ').trim() || undefined;
        h1Buffer = null;
      }
      continue;
    }
    if (PARAGRAPH.has(name)) sink.brk(2);
    else if (LINE.has(name)) sink.brk(1);
    else if (CELL.has(name) && !closing) sink.tab();
  }

  const result: HtmlText = { text: sink.result() };
  const chosen = title ?? firstH1;
  if (chosen !== undefined) result.title = chosen;
  return result;
}

/**
 * Decodes HTML bytes: a BOM wins, then a `<meta charset>` (or http-equiv) in the first 1 KB,
 * then UTF-8. Bad bytes become U+FFFD rather than failing: HTML in the wild is often mislabelled.
 */
export function decodeHtmlBytes(bytes: Uint8Array): string {
  let label = 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) label = 'utf-16be';
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) label = 'utf-16le';
  else {
    const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
    const m = /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)/i.exec(head);
    if (m?.[1] !== undefined) label = m[1].toLowerCase();
  }
  try {
    const decoder = new TextDecoder(label);
    return decoder.encoding === 'windows-1252' ? decodeWindows1252(bytes) : decoder.decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/**
 * WHATWG maps latin1, ascii and windows-1252 labels all to windows-1252, but Node 20's decoder
 * turns 0x80–0x9F into C1 controls instead of `€`, `’`, `“`… — exactly the bytes old Windows
 * pages use most. Decoding by hand gets them right on every Node version.
 */
function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(C1_REMAP[b] ?? b);
  return out;
}
