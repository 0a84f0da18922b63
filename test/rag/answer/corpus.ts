import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLogger } from '../../../src/observe/index.js';
import { parseConfig } from '../../../src/config/index.js';
import type { AnswerResult, RetrievalResult } from '../../../src/rag/index.js';
import { createStrata, type Strata } from '../../../src/strata.js';
import { migrateSessions } from './sessions-migration.js';

/** A small handbook: one topic per file, so each answer has one right source. */
export const HANDBOOK: Record<string, string> = {
  'refunds.md': '# Refunds\n\nCustomers may return laptops within 30 days of delivery for a full refund. Opened software cannot be returned. Refunds are paid to the original card within 5 business days.\n',
  'shipping.md': '# Shipping\n\nStandard shipping takes 3 to 5 business days. Express shipping arrives the next business day for orders placed before 2 pm. Express shipping costs 15 dollars.\n',
  'warranty.md': '# Warranty\n\nEvery laptop carries a two-year limited warranty covering manufacturing defects. Phones carry a one-year warranty.\n',
};

export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

export interface RagHarness {
  strata: Strata;
  dir: string;
  docs: string;
  close(): Promise<void>;
}

/** A real Strata on a temp SQLite home (with the sessions table migrated), and the handbook on disk. */
export async function startRagHarness(yaml?: string): Promise<RagHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-rag-'));
  const env = { ...process.env, STRATA_HOME: join(dir, 'home'), STRATA_DATABASE_URL: '', STRATA_CONFIG: '', STRATA_REDIS_URL: '' };
  const strata = await createStrata({
    env,
    config: yaml === undefined ? undefined : parseConfig(yaml, 'test strata.yaml'),
    logger: createLogger({ level: 'silent' }),
    processMetrics: false,
  });
  await migrateSessions(strata.store);
  const docs = join(dir, 'docs');
  writeTree(docs, HANDBOOK);
  return {
    strata,
    dir,
    docs,
    async close() {
      await strata.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * What a user relies on in a cited answer: each span, read from the returned text with Bedrock's convention
 * (end inclusive), is the part's text; each reference is one of the retrieved chunks and contains that text.
 */
export function expectCitationsReal(answer: AnswerResult, retrieved: readonly RetrievalResult[], expect: typeof import('vitest').expect): void {
  const chunkTexts = new Set(retrieved.map((r) => r.content.text));
  const norm = (s: string): string => s.replace(/\s+/g, ' ');
  for (const c of answer.citations) {
    const part = c.generatedResponsePart.textResponsePart;
    expect(answer.output.text.slice(part.span.start, part.span.end + 1)).toBe(part.text);
    expect(c.retrievedReferences.length).toBeGreaterThan(0);
    for (const ref of c.retrievedReferences) {
      expect(chunkTexts.has(ref.content.text)).toBe(true);
      expect(norm(ref.content.text)).toContain(norm(part.text));
    }
  }
}
