import { StrataError } from '../../core/index.js';
import type { ExtractedDocument } from './document.js';

/*
 * PDF text via pdfjs-dist 4 (the last major that runs on Node 20). The legacy build is the one
 * meant for Node: it brings the polyfills the modern build expects from a browser. pdfjs runs
 * its parser in a "fake worker" on the main thread when no worker is configured, which is what
 * a loader wants: no worker threads to manage, and one file at a time anyway.
 */

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjsModule: Promise<PdfJs> | undefined;

/** Imported on first use: pdfjs is ~2 MB of code that text-only ingests never need. */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsModule ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsModule;
}

interface TextRun {
  str: string;
  hasEOL: boolean;
}

function isTextRun(item: object): item is TextRun {
  return 'str' in item && typeof item.str === 'string';
}

/** Joins the text runs of one page: a run ending a line gets a newline, trailing blanks go. */
function pageText(items: readonly object[]): string {
  let out = '';
  for (const item of items) {
    if (!isTextRun(item)) continue;
    out += item.str;
    if (item.hasEOL) out += '\n';
  }
  return out
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Extracts the text of every page; pageStarts[i] is where page i + 1 begins in the text. */
export async function pdfDocument(bytes: Uint8Array): Promise<ExtractedDocument> {
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({
    // pdfjs transfers (detaches) the buffer it is given; a copy keeps the caller's intact
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    const doc = await task.promise.catch((e: unknown) => {
      throw new StrataError('invalid_request', describePdfError(e), { cause: e });
    });
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      pages.push(pageText(content.items));
      page.cleanup();
    }
    const pageStarts: number[] = [];
    let text = '';
    for (const [i, page] of pages.entries()) {
      // a blank line between pages keeps the last sentence of one from running into the next
      if (i > 0) text += '\n\n';
      pageStarts.push(text.length);
      text += page;
    }
    const result: ExtractedDocument = { text, pageStarts };
    const title = await pdfTitle(doc);
    if (title !== undefined) result.title = title;
    return result;
  } finally {
    await task.destroy();
  }
}

async function pdfTitle(doc: { getMetadata(): Promise<{ info: object }> }): Promise<string | undefined> {
  try {
    const { info } = await doc.getMetadata();
    const title = 'Title' in info && typeof info.Title === 'string' ? info.Title.trim() : '';
    return title.length > 0 ? title : undefined;
  } catch {
    // a broken Info dictionary costs the title, not the document
    return undefined;
  }
}

function describePdfError(e: unknown): string {
  const name = e instanceof Error ? e.name : '';
  if (name === 'PasswordException') return 'The PDF is encrypted with a password; decrypt it before ingesting.';
  const msg = e instanceof Error ? e.message : String(e);
  return `Not a readable PDF (${msg}).`;
}
