import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFile } from '../../../src/rag/loaders/index.js';
import type { StrataError } from '../../../src/core/index.js';
import { makeDocx, makePdf, tempTree } from './fixtures.js';

let tree: Awaited<ReturnType<typeof tempTree>>;
beforeAll(async () => {
  tree = await tempTree();
});
afterAll(async () => {
  await tree.cleanup();
});

async function failure(p: Promise<unknown>): Promise<StrataError> {
  try {
    await p;
  } catch (e) {
    return e as StrataError;
  }
  throw new Error('expected a failure');
}

describe('text formats', () => {
  it('loads .txt as UTF-8 with newlines normalised', async () => {
    const path = await tree.write('notes.txt', 'line one\r\nline two\rline three\n');
    const [doc] = await loadFile(path, 'notes.txt');
    expect(doc!.text).toBe('line one\nline two\nline three\n');
    expect(doc!.format).toBe('txt');
    expect(doc!.title).toBeUndefined();
    expect(doc!.metadata).toEqual({ source: 'notes.txt', format: 'txt' });
  });

  it('keeps Markdown as written and takes the title from the first heading outside code', async () => {
    const md = '```sh\n# not a heading\n```\n\n## Install  ##\n\nRun `npm i`.\n\n# Later\n';
    const [doc] = await loadFile(await tree.write('guide.md', md), 'guide.md');
    expect(doc!.text).toBe(md);
    expect(doc!.title).toBe('Install');
    const [front] = await loadFile(await tree.write('front.md', '---\ntitle: "From front matter"\n---\n# Heading\n'), 'front.md');
    expect(front!.title).toBe('From front matter');
    const [setext] = await loadFile(await tree.write('setext.md', 'Setext Title\n============\n\nbody\n'), 'setext.md');
    expect(setext!.title).toBe('Setext Title');
  });

  it('rejects binary or non-UTF-8 text files', async () => {
    const bin = await tree.write('image.txt', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    expect((await failure(loadFile(bin, 'image.txt'))).message).toMatch(/binary/);
    const latin1 = await tree.write('latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9]));
    const err = await failure(loadFile(latin1, 'latin1.txt'));
    expect(err.code).toBe('invalid_request');
    expect(err.message).toMatch(/not valid UTF-8/);
  });

  it('decodes HTML in the charset its <meta> declares', async () => {
    const bytes = Buffer.concat([Buffer.from('<meta charset="windows-1252"><p>caf'), Buffer.from([0xe9, 0x20, 0x80]), Buffer.from('</p>')]);
    const [doc] = await loadFile(await tree.write('old.htm', bytes), 'old.htm');
    expect(doc!.text).toBe('café €');
    expect(doc!.format).toBe('html');
  });
});

describe('PDF', () => {
  it('extracts text with page starts, page count and the Info title', async () => {
    const pdf = makePdf([['Refund policy', 'Refunds within 30 days.'], ['Shipping (worldwide)'], ['Contact us']], 'Policies');
    const [doc] = await loadFile(await tree.write('policies.pdf', pdf), 'policies.pdf');
    expect(doc!.title).toBe('Policies');
    expect(doc!.pageStarts).toHaveLength(3);
    expect(doc!.metadata.pageCount).toBe(3);
    const starts = doc!.pageStarts!;
    const page = (n: number): string => doc!.text.slice(starts[n - 1], starts[n] ?? doc!.text.length).trim();
    expect(page(1)).toBe('Refund policy\nRefunds within 30 days.');
    expect(page(2)).toBe('Shipping (worldwide)');
    expect(page(3)).toBe('Contact us');
    expect(starts[0]).toBe(0);
  });

  it('reports a truncated PDF and a PDF without text', async () => {
    const full = makePdf([['Some text here']]);
    const truncated = await tree.write('truncated.pdf', full.subarray(0, 60));
    const err = await failure(loadFile(truncated, 'truncated.pdf'));
    expect(err.code).toBe('invalid_request');
    expect(err.message).toMatch(/readable PDF|No extractable text/);
    const empty = await tree.write('scan.pdf', makePdf([[]]));
    expect((await failure(loadFile(empty, 'scan.pdf'))).message).toMatch(/No extractable text \(a scanned PDF needs OCR first\)/);
    const notPdf = await tree.write('fake.pdf', 'just text, not a pdf');
    expect((await failure(loadFile(notPdf, 'fake.pdf'))).message).toMatch(/Not a readable PDF/);
  });
});

describe('DOCX', () => {
  it('reads paragraphs in order, headings as # lines, tabs and entities, title from core.xml', async () => {
    const docx = makeDocx(
      [{ text: 'Overview', style: 'Heading1' }, 'Plain & simple <text>.', { text: 'Details', style: 'Heading2' }, 'Key\tValue', ''],
      'Handbook',
    );
    const [doc] = await loadFile(await tree.write('handbook.docx', docx), 'handbook.docx');
    expect(doc!.text).toBe('# Overview\n\nPlain & simple <text>.\n\n## Details\n\nKey\tValue');
    expect(doc!.title).toBe('Handbook');
    const [untitled] = await loadFile(await tree.write('untitled.docx', makeDocx(['intro', { text: 'First Heading', style: 'Heading1' }])), 'untitled.docx');
    expect(untitled!.title).toBe('First Heading');
  });

  it('reports a .docx that is not a zip, or a zip without a document', async () => {
    const notZip = await tree.write('broken.docx', 'PK but not really');
    expect((await failure(loadFile(notZip, 'broken.docx'))).message).toMatch(/not a readable zip/);
    const { zipSync, strToU8 } = await import('fflate');
    const otherZip = await tree.write('other.docx', zipSync({ 'a.txt': strToU8('x') }));
    expect((await failure(loadFile(otherZip, 'other.docx'))).message).toMatch(/no word\/document.xml/);
  });
});

describe('unsupported and oversized files', () => {
  it('throws invalid_request for an unknown extension, a sidecar, and a file over maxFileBytes', async () => {
    const png = await tree.write('logo.png', new Uint8Array([1, 2, 3]));
    const e1 = await failure(loadFile(png, 'logo.png'));
    expect(e1.code).toBe('invalid_request');
    expect(e1.message).toMatch(/Unsupported file type "\.png"/);
    const side = await tree.write('x.txt.metadata.json', '{"metadataAttributes":{}}');
    expect((await failure(loadFile(side, 'x.txt.metadata.json'))).message).toMatch(/metadata sidecar/);
    const big = await tree.write('big.txt', 'x'.repeat(2048));
    expect((await failure(loadFile(big, 'big.txt', { maxFileBytes: 1024 }))).message).toMatch(/2048 bytes, over the 1024-byte limit/);
  });
});
