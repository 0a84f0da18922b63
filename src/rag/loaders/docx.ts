import { unzipSync } from 'fflate';
import { StrataError } from '../../core/index.js';
import type { ExtractedDocument } from './document.js';
import { decodeEntities } from './entities.js';

/*
 * .docx text: the paragraphs of word/document.xml in order. fflate does the unzipping (small,
 * no dependencies, maintained); mammoth would also convert styles, images and lists to HTML we
 * would then have to strip again. Only runs' visible text is taken: <w:t> (deleted text lives in
 * <w:delText> and field codes in <w:instrText>, so both stay out by construction). Heading-styled
 * paragraphs become Markdown `#` lines so the recursive chunker sees the document's structure.
 */

/** A .docx that inflates past this is treated as a zip bomb, not read. */
const MAX_XML_BYTES = 200 * 1024 * 1024;
const WANTED = new Set(['word/document.xml', 'docProps/core.xml']);

const TOKEN_RE = /<(\/?)(w:p|w:t|w:tab|w:br|w:cr|w:pStyle)(?=[\s/>])([^>]*?)(\/?)>/g;

function unzipDocx(bytes: Uint8Array): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, {
      filter: (file) => {
        if (!WANTED.has(file.name)) return false;
        if (file.originalSize > MAX_XML_BYTES) {
          throw new StrataError('invalid_request', `${file.name} inflates to more than ${MAX_XML_BYTES} bytes.`);
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof StrataError) throw e;
    throw new StrataError('invalid_request', 'Not a valid .docx file (it is not a readable zip archive).', { cause: e });
  }
}

/** Heading level from a paragraph style id (`Heading1`, `heading 2`, `Title`), else 0. */
function headingLevel(styleId: string): number {
  if (/^title$/i.test(styleId)) return 1;
  const m = /^heading\s*([1-6])$/i.exec(styleId);
  return m?.[1] === undefined ? 0 : Number(m[1]);
}

/** Walks document.xml once, collecting paragraph text and heading levels. */
function paragraphs(xml: string): { text: string; level: number }[] {
  const out: { text: string; level: number }[] = [];
  let current: { text: string; level: number } | null = null;
  let textStart = -1;
  for (const m of xml.matchAll(TOKEN_RE)) {
    const [whole, slash, name, attrs, selfClose] = m;
    const at = m.index;
    if (name === 'w:t') {
      if (slash === '' && selfClose === '') textStart = at + whole.length;
      else if (slash === '/' && textStart >= 0 && current !== null) {
        current.text += decodeEntities(xml.slice(textStart, at));
        textStart = -1;
      }
      continue;
    }
    if (name === 'w:p') {
      if (slash === '/' || selfClose === '/') {
        if (current !== null) out.push(current);
        current = null;
      } else {
        current = { text: '', level: 0 };
      }
      continue;
    }
    if (current === null) continue;
    if (name === 'w:tab') current.text += '\t';
    else if (name === 'w:br' || name === 'w:cr') current.text += '\n';
    else if (name === 'w:pStyle') {
      const style = /w:val\s*=\s*"([^"]*)"/.exec(attrs ?? '')?.[1] ?? '';
      current.level = headingLevel(style);
    }
  }
  return out;
}

/** Extracts the text (and the title from docProps, else the first heading) of a .docx. */
export function docxDocument(bytes: Uint8Array): ExtractedDocument {
  const files = unzipDocx(bytes);
  const body = files['word/document.xml'];
  if (body === undefined) throw new StrataError('invalid_request', 'Not a Word document: the archive has no word/document.xml.');
  const decoder = new TextDecoder('utf-8');
  const paras = paragraphs(decoder.decode(body))
    .map((p) => ({ level: p.level, text: p.text.replace(/[ \t]+$/gm, '').trim() }))
    .filter((p) => p.text.length > 0);
  const text = paras.map((p) => (p.level > 0 ? `${'#'.repeat(p.level)} ${p.text}` : p.text)).join('\n\n');
  const result: ExtractedDocument = { text };
  const core = files['docProps/core.xml'];
  const coreTitle = core === undefined ? undefined : /<dc:title>([^<]*)<\/dc:title>/.exec(decoder.decode(core))?.[1];
  const title = decodeEntities(coreTitle ?? '').trim() || paras.find((p) => p.level > 0)?.text;
  if (title !== undefined && title.length > 0) result.title = title;
  return result;
}
