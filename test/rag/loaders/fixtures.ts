import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { loadPath, type LoadedDocument, type LoadOptions, type LoadProblem } from '../../../src/rag/loaders/index.js';

/** A temp folder for one test file's fixtures; `write` creates parent folders. */
export async function tempTree(): Promise<{
  root: string;
  write: (rel: string, content: string | Uint8Array) => Promise<string>;
  cleanup: () => Promise<void>;
}> {
  const root = await mkdtemp(join(tmpdir(), 'strata-loaders-'));
  return {
    root,
    write: async (rel, content) => {
      const path = join(root, rel);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
      return path;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Runs a walk to the end, splitting documents from problems. */
export async function loadAll(root: string, opts?: LoadOptions): Promise<{ docs: LoadedDocument[]; problems: LoadProblem[]; order: string[] }> {
  const docs: LoadedDocument[] = [];
  const problems: LoadProblem[] = [];
  const order: string[] = [];
  for await (const r of loadPath(root, opts)) {
    if ('document' in r) {
      docs.push(r.document);
      order.push(r.document.relPath);
    } else {
      problems.push(r.problem);
      order.push(r.problem.relPath);
    }
  }
  return { docs, problems, order };
}

function pdfString(s: string): string {
  return `(${s.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

/**
 * A minimal valid PDF written by hand: one page per entry, each line a text-showing operator in
 * the standard Helvetica font (no embedded font needed), a correct xref table, an Info title.
 */
export function makePdf(pages: string[][], title?: string): Uint8Array {
  const objects: string[] = [];
  const fontId = 3 + pages.length * 2;
  const infoId = fontId + 1;
  const kids = pages.map((_, i) => `${3 + i * 2} 0 R`).join(' ');
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`;
  pages.forEach((lines, i) => {
    const pageId = 3 + i * 2;
    const stream = `BT /F1 12 Tf 14 TL 72 720 Td ${lines.map((l) => `${pdfString(l)} Tj T*`).join(' ')} ET`;
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${fontId} 0 R >> >> /Contents ${pageId + 1} 0 R >>`;
    objects[pageId + 1] = `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`;
  });
  objects[fontId] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[infoId] = title === undefined ? '<< >>' : `<< /Title ${pdfString(title)} >>`;

  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(out, 'latin1');
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xrefAt = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info ${infoId} 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface DocxParagraph {
  text: string;
  style?: string;
}

/** A minimal .docx: the zip parts Word needs for a body of styled paragraphs, plus a core title. */
export function makeDocx(paragraphs: (string | DocxParagraph)[], title?: string): Uint8Array {
  const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
  const body = paragraphs
    .map((p) => (typeof p === 'string' ? { text: p } : p))
    .map((p) => {
      const pPr = p.style === undefined ? '' : `<w:pPr><w:pStyle w:val="${p.style}"/></w:pPr>`;
      // a tab inside the text shows that <w:tab/> is turned back into a tab
      const runs = p.text
        .split('\t')
        .map((part) => `<w:t xml:space="preserve">${xmlEscape(part)}</w:t>`)
        .join('<w:tab/>');
      return `<w:p>${pPr}<w:r><w:rPr><w:b/></w:rPr>${runs}</w:r></w:p>`;
    })
    .join('');
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    'word/document.xml': strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W}"><w:body>${body}<w:sectPr/></w:body></w:document>`,
    ),
  };
  if (title !== undefined) {
    files['docProps/core.xml'] = strToU8(
      `<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${xmlEscape(title)}</dc:title></cp:coreProperties>`,
    );
  }
  return zipSync(files);
}
