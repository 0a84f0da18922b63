import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { StrataError } from '../../core/index.js';
import type { Qrels } from './metrics.js';

/**
 * Reader for the BEIR dataset layout (github.com/beir-cellar/beir, GenericDataLoader): `corpus.jsonl` with
 * `{"_id", "title", "text"}` per line, `queries.jsonl` with `{"_id", "text"}`, and `qrels/test.tsv` with the
 * header `query-id<TAB>corpus-id<TAB>score`. Files are streamed line by line, so a large corpus never has to
 * fit in memory as one string.
 */

export interface BeirDocument {
  title?: string;
  text: string;
}

export interface BeirDataset {
  corpus: Map<string, BeirDocument>;
  /** Only the queries that have qrels: the others cannot be scored (BEIR's loader drops them too). */
  queries: Map<string, string>;
  qrels: Map<string, Map<string, number>> & Qrels;
}

export interface ReadBeirOptions {
  /** The qrels split, `qrels/<split>.tsv`. */
  split?: string;
}

function bad(file: string, line: number, problem: string): never {
  throw new StrataError('invalid_request', `${file}:${line}: ${problem}`, { details: { file, line } });
}

async function requireFile(path: string, what: string): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new StrataError('invalid_request', `Not a BEIR dataset: ${path} (${what}) is missing.`, { details: { file: path } });
  }
}

/** Calls fn for every non-blank line with its 1-based line number. */
async function eachLine(path: string, fn: (line: string, n: number) => void): Promise<void> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of rl) {
    n++;
    // A UTF-8 byte-order mark is common in files saved on Windows; JSON.parse rejects it.
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() !== '') fn(line, n);
  }
}

function parseJsonObject(file: string, line: string, n: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    bad(file, n, `invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(file, n, 'expected a JSON object');
  return value as Record<string, unknown>;
}

/** BEIR ids are strings, but some exports write numeric ids; both are accepted, as strings. */
function idOf(file: string, obj: Record<string, unknown>, n: number): string {
  const id = obj._id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  if (typeof id !== 'string' || id === '') bad(file, n, '"_id" must be a non-empty string');
  return id;
}

function textOf(file: string, obj: Record<string, unknown>, field: string, n: number): string {
  const v = obj[field];
  if (typeof v !== 'string') bad(file, n, `"${field}" must be a string`);
  return v;
}

/** Reads corpus, queries and qrels of a BEIR dataset directory; malformed input names the file and line. */
export async function readBeir(dir: string, opts: ReadBeirOptions = {}): Promise<BeirDataset> {
  const corpusPath = join(dir, 'corpus.jsonl');
  const queriesPath = join(dir, 'queries.jsonl');
  const qrelsPath = join(dir, 'qrels', `${opts.split ?? 'test'}.tsv`);
  await requireFile(corpusPath, 'the corpus');
  await requireFile(queriesPath, 'the queries');
  await requireFile(qrelsPath, 'the relevance judgments');

  const corpus = new Map<string, BeirDocument>();
  await eachLine(corpusPath, (line, n) => {
    const obj = parseJsonObject(corpusPath, line, n);
    const id = idOf(corpusPath, obj, n);
    if (corpus.has(id)) bad(corpusPath, n, `duplicate document id "${id}"`);
    const text = textOf(corpusPath, obj, 'text', n);
    const title = obj.title === undefined || obj.title === null ? undefined : textOf(corpusPath, obj, 'title', n);
    corpus.set(id, title === undefined || title === '' ? { text } : { title, text });
  });

  const allQueries = new Map<string, string>();
  await eachLine(queriesPath, (line, n) => {
    const obj = parseJsonObject(queriesPath, line, n);
    const id = idOf(queriesPath, obj, n);
    if (allQueries.has(id)) bad(queriesPath, n, `duplicate query id "${id}"`);
    allQueries.set(id, textOf(queriesPath, obj, 'text', n));
  });

  const qrels = new Map<string, Map<string, number>>();
  let sawHeader = false;
  await eachLine(qrelsPath, (line, n) => {
    const fields = line.split('\t').map((f) => f.trim());
    if (!sawHeader) {
      sawHeader = true;
      if (fields.join(' ') !== 'query-id corpus-id score') {
        bad(qrelsPath, n, 'expected the header "query-id<TAB>corpus-id<TAB>score"');
      }
      return;
    }
    if (fields.length !== 3) bad(qrelsPath, n, `expected 3 tab-separated fields, got ${fields.length}`);
    const [qid, did, scoreText] = fields as [string, string, string];
    if (qid === '' || did === '') bad(qrelsPath, n, 'empty query-id or corpus-id');
    if (!/^-?\d+$/.test(scoreText)) bad(qrelsPath, n, `score must be a whole number, got "${scoreText}"`);
    if (!allQueries.has(qid)) bad(qrelsPath, n, `query "${qid}" is not in queries.jsonl`);
    let judged = qrels.get(qid);
    if (judged === undefined) qrels.set(qid, (judged = new Map<string, number>()));
    if (judged.has(did)) bad(qrelsPath, n, `duplicate judgment for query "${qid}" and document "${did}"`);
    judged.set(did, Number(scoreText));
  });
  if (!sawHeader) bad(qrelsPath, 1, 'empty file (expected a header and judgments)');

  const queries = new Map<string, string>();
  for (const qid of qrels.keys()) queries.set(qid, allQueries.get(qid)!);
  return { corpus, queries, qrels };
}
