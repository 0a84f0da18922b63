import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/core/index.js';
import { readBeir } from '../../../src/rag/eval/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function dataset(files: { corpus?: string; queries?: string; qrels?: string }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-beir-'));
  dirs.push(dir);
  await mkdir(join(dir, 'qrels'));
  if (files.corpus !== undefined) await writeFile(join(dir, 'corpus.jsonl'), files.corpus);
  if (files.queries !== undefined) await writeFile(join(dir, 'queries.jsonl'), files.queries);
  if (files.qrels !== undefined) await writeFile(join(dir, 'qrels', 'test.tsv'), files.qrels);
  return dir;
}

const CORPUS = '{"_id":"d1","title":"Cats","text":"Cats purr."}\n\n{"_id":"d2","title":"","text":"Dogs bark."}\n';
const QUERIES = '{"_id":"q1","text":"what purrs"}\n{"_id":"q2","text":"unjudged query"}\n';
const QRELS = 'query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\n';

async function rejection(dir: string): Promise<StrataError> {
  const e: unknown = await readBeir(dir).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof StrataError)) throw new Error(`expected a StrataError, got ${String(e)}`);
  return e;
}

describe('readBeir', () => {
  it('reads corpus, queries and graded qrels, keeping only judged queries', async () => {
    const ds = await readBeir(await dataset({ corpus: CORPUS, queries: QUERIES, qrels: QRELS }));
    expect(ds.corpus).toEqual(new Map([['d1', { title: 'Cats', text: 'Cats purr.' }], ['d2', { text: 'Dogs bark.' }]]));
    expect(ds.queries).toEqual(new Map([['q1', 'what purrs']]));
    expect(ds.qrels).toEqual(new Map([['q1', new Map([['d1', 2], ['d2', 0]])]]));
  });

  it('accepts CRLF line endings, a byte-order mark and numeric ids', async () => {
    const ds = await readBeir(
      await dataset({
        corpus: '\uFEFF{"_id":7,"text":"seven"}\r\n',
        queries: '{"_id":"q","text":"7?"}\r\n',
        qrels: 'query-id\tcorpus-id\tscore\r\nq\t7\t1\r\n',
      }),
    );
    expect(ds.corpus.get('7')).toEqual({ text: 'seven' });
    expect(ds.qrels.get('q')?.get('7')).toBe(1);
  });

  it.each([
    ['corpus.jsonl', { corpus: '{"_id":"d1","text":"ok"}\n{"_id":"d2","text":"no"\n' }, /corpus\.jsonl:2: invalid JSON/],
    ['corpus.jsonl', { corpus: '{"_id":"d1"}\n' }, /corpus\.jsonl:1: "text" must be a string/],
    ['corpus.jsonl', { corpus: '{"_id":"d1","text":"a"}\n{"_id":"d1","text":"b"}\n' }, /corpus\.jsonl:2: duplicate document id "d1"/],
    ['corpus.jsonl', { corpus: '["d1"]\n' }, /corpus\.jsonl:1: expected a JSON object/],
    ['queries.jsonl', { queries: '{"text":"no id"}\n' }, /queries\.jsonl:1: "_id" must be a non-empty string/],
    ['test.tsv', { qrels: 'qid\tdid\tscore\n' }, /test\.tsv:1: expected the header/],
    ['test.tsv', { qrels: 'query-id\tcorpus-id\tscore\nq1\td1\n' }, /test\.tsv:2: expected 3 tab-separated fields/],
    ['test.tsv', { qrels: 'query-id\tcorpus-id\tscore\nq1\td1\thigh\n' }, /test\.tsv:2: score must be a whole number/],
    ['test.tsv', { qrels: 'query-id\tcorpus-id\tscore\nq9\td1\t1\n' }, /test\.tsv:2: query "q9" is not in queries\.jsonl/],
    ['test.tsv', { qrels: '' }, /test\.tsv:1: empty file/],
  ])('names the file and line of a problem in %s', async (_file, override, message) => {
    const e = await rejection(await dataset({ corpus: CORPUS, queries: QUERIES, qrels: QRELS, ...override }));
    expect(e.code).toBe('invalid_request');
    expect(e.message).toMatch(message);
  });

  it('says which file is missing', async () => {
    const e = await rejection(await dataset({ corpus: CORPUS, queries: QUERIES }));
    expect(e.message).toMatch(/qrels\/test\.tsv \(the relevance judgments\) is missing/);
  });
});
