import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFile, parseCsv } from '../../../src/rag/loaders/index.js';
import { tempTree } from './fixtures.js';

let tree: Awaited<ReturnType<typeof tempTree>>;
beforeAll(async () => {
  tree = await tempTree();
});
afterAll(async () => {
  await tree.cleanup();
});

describe('CSV parsing (RFC 4180)', () => {
  it('handles a BOM, quoted commas, escaped quotes, newlines in fields and CRLF', () => {
    const table = parseCsv('\uFEFFid,body,note\r\n1,"Hello, world","He said ""hi"""\r\n2,"line one\r\nline two",\r\n');
    expect(table.header).toEqual(['id', 'body', 'note']);
    expect(table.rows.map((r) => r.values)).toEqual([
      ['1', 'Hello, world', 'He said "hi"'],
      ['2', 'line one\r\nline two', ''],
    ]);
    expect(table.rows[1]!.line).toBe(3);
  });

  it('skips blank lines, names blank and repeated headers', () => {
    const table = parseCsv('a,,a\n\n1,2,3\n');
    expect(table.header).toEqual(['a', 'column_2', 'a_2']);
    expect(table.rows).toHaveLength(1);
  });

  it('rejects an unterminated quote, text after a quote and a ragged row, naming the line', () => {
    expect(() => parseCsv('a,b\n1,"open\n')).toThrow(/Unterminated quoted field starting on line 2/);
    expect(() => parseCsv('a,b\n"x"y,2\n')).toThrow(/after a closing quote on line 2/);
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow(/line 3 has 1 fields; the header has 2/);
    expect(() => parseCsv('')).toThrow(/empty/);
  });
});

describe('CSV and JSON records', () => {
  it('makes one document per CSV row with all fields as name: value lines by default', async () => {
    const path = await tree.write('faq.csv', 'question,answer\nWhat is Strata?,A gateway.\n"Why, though?","Because ""production""."\n');
    const docs = await loadFile(path, 'faq.csv');
    expect(docs.map((d) => d.text)).toEqual([
      'question: What is Strata?\nanswer: A gateway.',
      'question: Why, though?\nanswer: Because "production".',
    ]);
    expect(docs.map((d) => d.recordIndex)).toEqual([0, 1]);
    expect(new Set(docs.map((d) => d.id)).size).toBe(2);
    expect(docs[0]!.metadata).toEqual({ source: 'faq.csv', format: 'csv' });
  });

  it('uses text fields, types metadata fields, and keys ids on idField so reordering keeps them', async () => {
    const opts = { csv: { textFields: ['body'], metadataFields: ['year', 'draft', 'zip', 'team'], idField: 'sku' } };
    const a = await tree.write('a.csv', 'sku,body,year,draft,zip,team\nX1,First,2024,true,02134,core\nX2,Second,1.5e3,FALSE,10001,\n');
    const b = await tree.write('b.csv', 'sku,body,year,draft,zip,team\nX2,Second,1.5e3,FALSE,10001,\nX1,First,2024,true,02134,core\n');
    const [first, second] = await loadFile(a, 'data.csv', opts);
    expect(first!.text).toBe('First');
    expect(first!.metadata).toMatchObject({ year: 2024, draft: true, zip: '02134', team: 'core' });
    expect(second!.metadata).toMatchObject({ year: 1500, draft: false, zip: 10001 });
    expect('team' in second!.metadata).toBe(false); // empty cells are absent, not ""
    const reordered = await loadFile(b, 'data.csv', opts);
    expect(reordered[1]!.id).toBe(first!.id);
    expect(reordered[1]!.contentHash).toBe(first!.contentHash);
  });

  it('defaults metadata to the non-text fields when only textFields is set', async () => {
    const path = await tree.write('c.csv', 'title,body,views\nT,Body text,12\n');
    const [doc] = await loadFile(path, 'c.csv', { csv: { textFields: ['title', 'body'] } });
    expect(doc!.text).toBe('T\nBody text');
    expect(doc!.metadata).toMatchObject({ views: 12 });
  });

  it('rejects unknown field names and duplicate ids', async () => {
    const path = await tree.write('d.csv', 'id,body\n1,a\n1,b\n');
    await expect(loadFile(path, 'd.csv', { csv: { textFields: ['text'] } })).rejects.toThrow(/Text field "text" is not a CSV column/);
    await expect(loadFile(path, 'd.csv', { csv: { idField: 'id' } })).rejects.toThrow(/Id "1".*more than one record/);
  });

  it('reads a JSON array or the array at recordsPath, with nested fields by dot path', async () => {
    const items = [
      { id: 'a', body: 'Alpha text', meta: { year: 2023 }, tags: ['x', 'y'], n: null },
      { id: 'b', body: 'Beta text', meta: { year: 2024 }, tags: ['z'] },
    ];
    const opts = { json: { textFields: ['body'], metadataFields: ['meta.year', 'tags'], idField: 'id', recordsPath: 'data.items' } };
    const path = await tree.write('r.json', JSON.stringify({ data: { items } }));
    const docs = await loadFile(path, 'r.json', opts);
    expect(docs.map((d) => d.text)).toEqual(['Alpha text', 'Beta text']);
    expect(docs[0]!.metadata).toMatchObject({ 'meta.year': 2023, tags: ['x', 'y'] });
    const bare = await tree.write('bare.json', JSON.stringify(items));
    const all = await loadFile(bare, 'bare.json');
    expect(all[0]!.text).toBe('id: a\nbody: Alpha text\nmeta: {"year":2023}\ntags: ["x","y"]');
  });

  it('treats a single JSON object as one record and rejects non-object records', async () => {
    const one = await tree.write('one.json', '{"title":"Solo","body":"Only one"}');
    expect((await loadFile(one, 'one.json')).map((d) => d.recordIndex)).toEqual([0]);
    const bad = await tree.write('nums.json', '[1,2]');
    await expect(loadFile(bad, 'nums.json')).rejects.toThrow(/Record 0 is not an object/);
    await expect(loadFile(one, 'one.json', { json: { recordsPath: 'items' } })).rejects.toThrow(/recordsPath "items" is not an array/);
  });
});
