import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { documentId, loadPath } from '../../../src/rag/loaders/index.js';
import { loadAll, makeDocx, makePdf, tempTree } from './fixtures.js';

let tree: Awaited<ReturnType<typeof tempTree>>;
beforeEach(async () => {
  tree = await tempTree();
});
afterEach(async () => {
  await tree.cleanup();
});

/** One good file of every format plus one broken file of each kind that can break. */
async function writeMixedCorpus(): Promise<void> {
  await tree.write('a.txt', 'plain text');
  await tree.write('b.md', '# Title\n\nbody');
  await tree.write('c.html', '<title>C</title><p>html body</p>');
  await tree.write('d.pdf', makePdf([['pdf page one'], ['pdf page two']]));
  await tree.write('e.docx', makeDocx(['docx body']));
  await tree.write('f.csv', 'q,a\nx,y\nz,w\n');
  await tree.write('g.json', '[{"t":"json one"},{"t":"json two"}]');
  await tree.write('broken/truncated.pdf', makePdf([['cut short']]).subarray(0, 50));
  await tree.write('broken/not-zip.docx', 'plain text pretending');
  await tree.write('broken/bad.json', '[{"t": "unterminated"');
  await tree.write('broken/binary.txt', new Uint8Array([0, 1, 2, 3]));
  await tree.write('broken/photo.png', new Uint8Array([0x89, 0x50]));
}

describe('loadPath walk', () => {
  it('loads every format, reports each broken file, and goes on', async () => {
    await writeMixedCorpus();
    const { docs, problems, order } = await loadAll(tree.root);
    expect(docs.map((d) => `${d.relPath}:${d.format}`)).toEqual([
      'a.txt:txt', 'b.md:md', 'c.html:html', 'd.pdf:pdf', 'e.docx:docx', 'f.csv:csv', 'f.csv:csv', 'g.json:json', 'g.json:json',
    ]);
    expect(problems.map((p) => p.relPath)).toEqual([
      'broken/bad.json', 'broken/binary.txt', 'broken/not-zip.docx', 'broken/photo.png', 'broken/truncated.pdf',
    ]);
    for (const p of problems) {
      expect(p.path).toBe(join(tree.root, p.relPath));
      expect(p.reason.length).toBeGreaterThan(10);
    }
    expect(problems.find((p) => p.relPath.endsWith('.png'))!.reason).toMatch(/Unsupported file type/);
    expect(problems.find((p) => p.relPath.endsWith('.json'))!.reason).toMatch(/Invalid JSON/);
    // documents and problems come out in one relPath order
    expect(order).toEqual([...order].sort());
  });

  it('walks in the same code-unit order whatever order the files were created in', async () => {
    for (const name of ['b/z.txt', 'B.txt', 'a-b.txt', 'a/b.txt', 'a.txt', '_x.txt', 'é.txt']) await tree.write(name, name);
    const first = (await loadAll(tree.root)).order;
    expect(first).toEqual(['B.txt', '_x.txt', 'a-b.txt', 'a.txt', 'a/b.txt', 'b/z.txt', 'é.txt']);
    expect((await loadAll(tree.root)).order).toEqual(first);
  });

  it('skips hidden files and folders, and loads a single file given as the root', async () => {
    await tree.write('.git/config.txt', 'x');
    await tree.write('.DS_Store', 'x');
    const path = await tree.write('docs/only.md', '# Only');
    expect((await loadAll(tree.root)).order).toEqual(['docs/only.md']);
    const single = await loadAll(path);
    expect(single.docs[0]!.relPath).toBe('only.md');
  });

  it('applies include and exclude globs to relPaths', async () => {
    for (const name of ['a.md', 'docs/b.md', 'docs/drafts/c.md', 'docs/d.txt', 'notes/e.pdf']) await tree.write(name, '# x');
    const md = await loadAll(tree.root, { include: ['**/*.md'], exclude: ['**/drafts/**'] });
    expect(md.order).toEqual(['a.md', 'docs/b.md']);
    // the broken .pdf is excluded, so it is not even reported
    const txt = await loadAll(tree.root, { include: ['docs/**'], exclude: ['**/*.{md,pdf}'] });
    expect(txt.order).toEqual(['docs/d.txt']);
    expect(txt.problems).toEqual([]);
  });

  it('throws when the root does not exist', async () => {
    const gen = loadPath(join(tree.root, 'missing'));
    await expect(gen.next()).rejects.toThrow(/does not exist/);
  });

  it('reports an oversized file as a problem and loads the rest', async () => {
    await tree.write('big.txt', 'x'.repeat(5000));
    await tree.write('small.txt', 'ok');
    const { docs, problems } = await loadAll(tree.root, { maxFileBytes: 1000 });
    expect(docs.map((d) => d.relPath)).toEqual(['small.txt']);
    expect(problems[0]!.reason).toMatch(/over the 1000-byte limit/);
  });
});

describe('sidecar metadata', () => {
  it('merges metadataAttributes (plain and Bedrock typed form) and never loads sidecars as documents', async () => {
    await tree.write('report.pdf', makePdf([['annual report']]));
    await tree.write(
      'report.pdf.metadata.json',
      JSON.stringify({
        metadataAttributes: {
          year: 2024, tags: ['finance', 'annual'], public: true, team: 'ops',
          region: { value: { type: 'STRING', stringValue: 'eu' }, includeForEmbedding: true },
          source: 'spoofed',
        },
      }),
    );
    await tree.write('orphan.txt.metadata.json', '{"metadataAttributes":{}}');
    const { docs, problems } = await loadAll(tree.root);
    expect(problems).toEqual([]);
    expect(docs).toHaveLength(1);
    expect(docs[0]!.metadata).toEqual({
      year: 2024, tags: ['finance', 'annual'], public: true, team: 'ops', region: 'eu',
      source: 'report.pdf', format: 'pdf', pageCount: 1, // file-level keys win over the sidecar
    });
  });

  it('reports a malformed sidecar as a problem for its file and goes on', async () => {
    await tree.write('a.txt', 'a');
    await tree.write('a.txt.metadata.json', '{"metadataAttributes": {"year": 20');
    await tree.write('b.txt', 'b');
    await tree.write('b.txt.metadata.json', '{"metadataAttributes": {"nested": {"x": 1}}}');
    await tree.write('c.txt', 'c');
    await tree.write('c.txt.metadata.json', '{"year": 2024}');
    await tree.write('d.txt', 'd');
    const { docs, problems } = await loadAll(tree.root);
    expect(docs.map((d) => d.relPath)).toEqual(['d.txt']);
    expect(problems.map((p) => [p.relPath, p.reason])).toEqual([
      ['a.txt', expect.stringMatching(/sidecar is not valid JSON/)],
      ['b.txt', expect.stringMatching(/"nested" must be a string, a finite number, a boolean or a list of strings/)],
      ['c.txt', expect.stringMatching(/"metadataAttributes" object/)],
    ]);
  });
});

describe('ids and content hashes', () => {
  it('same file → same id and hash; changed text → same id, new hash; moved file → new id', async () => {
    const path = await tree.write('kb/doc.md', '# Doc\n\nversion one');
    const [v1] = (await loadAll(tree.root)).docs;
    const [again] = (await loadAll(tree.root)).docs;
    expect(again!.id).toBe(v1!.id);
    expect(again!.contentHash).toBe(v1!.contentHash);
    expect(v1!.id).toBe(documentId('kb/doc.md'));
    expect(v1!.id).toMatch(/^[0-9a-f]{32}$/);

    await writeFile(path, '# Doc\n\nversion two');
    const [v2] = (await loadAll(tree.root)).docs;
    expect(v2!.id).toBe(v1!.id);
    expect(v2!.contentHash).not.toBe(v1!.contentHash);

    // metadata is part of the hash: a new sidecar means re-ingesting with the new attributes
    await tree.write('kb/doc.md.metadata.json', '{"metadataAttributes":{"year":2025}}');
    const [v3] = (await loadAll(tree.root)).docs;
    expect(v3!.contentHash).not.toBe(v2!.contentHash);

    // the id follows the path relative to the ingest root, not the absolute location
    const [sub] = (await loadAll(join(tree.root, 'kb'))).docs;
    expect(sub!.relPath).toBe('doc.md');
    expect(sub!.id).toBe(documentId('doc.md'));
  });
});

describe('symlinks', () => {
  it('follows a linked folder once and does not loop on a link to an ancestor', async () => {
    const { symlink } = await import('node:fs/promises');
    await tree.write('real/a.txt', 'a');
    await symlink(join(tree.root, 'real'), join(tree.root, 'real', 'loop'));
    await symlink(join(tree.root, 'real', 'missing.txt'), join(tree.root, 'dangling.txt'));
    const { order, problems } = await loadAll(tree.root);
    expect(order).toEqual(['dangling.txt', 'real/a.txt']);
    expect(problems.map((p) => p.relPath)).toEqual(['dangling.txt']);
  });
});
