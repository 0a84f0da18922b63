import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../core/index.js';

/**
 * A small synthetic BEIR dataset that the project generates itself, so that retrieval quality can be tested
 * without downloading anything. It is built so that neither retrieval signal is enough alone:
 *
 *   - documents belong to synthetic topics; a topic is a handful of invented root words ("valmor") that
 *     documents write in one set of derived forms ("valmorite", "valmorism") and queries in another
 *     ("valmoric", "valmorize") — the same meaning in other words. BM25 over whole words misses these, while
 *     hashed character n-grams (the local embedder's sub-word features) still connect them;
 *   - every text is padded with shared everyday vocabulary, which BM25's IDF discounts but an embedding
 *     without IDF does not, so vector search is distracted by documents that share only filler;
 *   - some documents carry rare exact identifiers ("qx7341"); identifier queries need them, BM25 finds them by
 *     their high IDF, and hashed features confuse them with look-alike identifiers ("qx7314") of other topics.
 *
 * Graded qrels: 2 for documents that answer the query exactly (the identifier's documents, or a topic
 * document using all of the query's roots), 1 for the rest of the query's topic. Same seed, same bytes.
 */

export interface BeirFixtureOptions {
  seed: number;
  /** Number of documents (default 300). */
  documents?: number;
  /** Number of queries (default 60). */
  queries?: number;
}

export interface BeirFixtureSummary {
  documents: number;
  queries: number;
  judgments: number;
}

const COMMON = (
  'report system process service update review team support policy change request plan data level ' +
  'quality issue design access control schedule budget project customer record document standard ' +
  'analysis performance network storage security release version staff office training safety ' +
  'material equipment supply contract account program method result measure target practice resource'
).split(' ');
const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'dr', 'gl', 'kr', 'pl', 'st', 'tr', 'th'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
const CODAS = ['', 'n', 'r', 'l', 'm', 's', 'x'];
/** Suffixes that documents use, and different ones that queries use: same root, other words. */
const DOC_FORMS = ['ite', 'ism', 'ous', 'ery'];
const QUERY_FORMS = ['ic', 'ize', 'ist'];
const ROOTS_PER_TOPIC = 6;
const ROOTS_PER_DOC = 4;
const DOCS_WITH_ID = 0.3;

interface Topic {
  roots: string[];
  docs: { id: string; roots: Set<string>; ident?: string }[];
}

/** Writes corpus.jsonl, queries.jsonl and qrels/test.tsv into dir; deterministic for a seed. */
export async function generateBeirFixture(dir: string, opts: BeirFixtureOptions): Promise<BeirFixtureSummary> {
  const nDocs = opts.documents ?? 300;
  const nQueries = opts.queries ?? 60;
  if (!Number.isInteger(nDocs) || nDocs < 20) throw new RangeError(`documents must be a whole number ≥ 20, got ${nDocs}`);
  if (!Number.isInteger(nQueries) || nQueries < 1) throw new RangeError(`queries must be a whole number ≥ 1, got ${nQueries}`);
  const rnd = seededRandom(opts.seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const sample = <T>(xs: readonly T[], n: number): T[] => {
    const copy = [...xs];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  };

  const usedRoots = new Set<string>();
  const newRoot = (): string => {
    for (;;) {
      const r = pick(ONSETS) + pick(VOWELS) + pick(CODAS) + pick(ONSETS) + pick(VOWELS) + pick(['n', 'r', 'l', 'm', 'v']);
      if (!usedRoots.has(r) && r.length >= 5) return usedRoots.add(r), r;
    }
  };
  // Identifier families: a shared two-letter prefix and permuted digits make look-alikes across topics.
  const usedIds = new Set<string>();
  const newIdent = (): string => {
    for (;;) {
      const digits = sample(['1', '3', '4', '7', '8'], 4).join('');
      const id = `${pick(['qx', 'zr', 'kv'])}${digits}`;
      if (!usedIds.has(id)) return usedIds.add(id), id;
    }
  };

  const nTopics = Math.max(4, Math.round(nDocs / 10));
  const topics: Topic[] = Array.from({ length: nTopics }, () => ({
    roots: Array.from({ length: ROOTS_PER_TOPIC }, newRoot),
    docs: [],
  }));
  const sentence = (words: string[]): string => {
    const s = words.join(' ');
    return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
  };

  const corpusLines: string[] = [];
  for (let d = 0; d < nDocs; d++) {
    const topic = topics[d % nTopics]!;
    const id = `doc${String(d).padStart(4, '0')}`;
    const roots = sample(topic.roots, ROOTS_PER_DOC);
    const ident = rnd() < DOCS_WITH_ID ? newIdent() : undefined;
    topic.docs.push({ id, roots: new Set(roots), ...(ident === undefined ? {} : { ident }) });
    // Each root appears once or twice in a document form; filler words outnumber topic words 2 to 1.
    const topical = roots.flatMap((r) => Array.from({ length: 1 + int(2) }, () => r + pick(DOC_FORMS)));
    const filler = Array.from({ length: topical.length * 2 }, () => pick(COMMON));
    const words = sample([...topical, ...filler, ...(ident === undefined ? [] : [ident])], topical.length * 3 + 1);
    const sentences: string[] = [];
    for (let i = 0; i < words.length; i += 9) sentences.push(sentence(words.slice(i, i + 9)));
    const title = `${roots[0]! + pick(DOC_FORMS)} ${pick(COMMON)}`;
    corpusLines.push(JSON.stringify({ _id: id, title, text: sentences.join(' ') }));
  }

  const queryLines: string[] = [];
  const qrelLines: string[] = ['query-id\tcorpus-id\tscore'];
  const withIdent = topics.flatMap((t) => t.docs.filter((doc) => doc.ident !== undefined).map((doc) => ({ t, doc })));
  for (let q = 0; q < nQueries; q++) {
    const qid = `q${String(q).padStart(3, '0')}`;
    const judged = new Map<string, number>();
    let words: string[];
    if (q % 5 < 2 && withIdent.length > 0) {
      // Identifier query: the identifier, two roots in query-only forms, and one filler word.
      const { t, doc } = withIdent[int(withIdent.length)]!;
      const [r0, r1] = sample([...doc.roots], 2) as [string, string];
      words = [doc.ident!, r0 + pick(QUERY_FORMS), r1 + pick(QUERY_FORMS), pick(COMMON)];
      for (const other of t.docs) judged.set(other.id, 1);
      judged.set(doc.id, 2);
    } else {
      // Paraphrase query: three topic roots, one in a form documents use (a partial exact match for BM25),
      // two in query-only forms (reachable through sub-word features only).
      const topic = topics[int(nTopics)]!;
      const roots = sample(topic.roots, 3);
      words = [roots[0]! + pick(DOC_FORMS), roots[1]! + pick(QUERY_FORMS), roots[2]! + pick(QUERY_FORMS)];
      for (const doc of topic.docs) judged.set(doc.id, roots.every((r) => doc.roots.has(r)) ? 2 : 1);
    }
    queryLines.push(JSON.stringify({ _id: qid, text: sample(words, words.length).join(' ') }));
    for (const [docId, grade] of [...judged].sort(([a], [b]) => (a < b ? -1 : 1))) qrelLines.push(`${qid}\t${docId}\t${grade}`);
  }

  await mkdir(join(dir, 'qrels'), { recursive: true });
  await writeFile(join(dir, 'corpus.jsonl'), corpusLines.join('\n') + '\n');
  await writeFile(join(dir, 'queries.jsonl'), queryLines.join('\n') + '\n');
  await writeFile(join(dir, 'qrels', 'test.tsv'), qrelLines.join('\n') + '\n');
  return { documents: nDocs, queries: nQueries, judgments: qrelLines.length - 1 };
}
