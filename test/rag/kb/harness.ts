import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLogger } from '../../../src/observe/index.js';
import { KnowledgeBaseStore } from '../../../src/rag/kb/index.js';
import { createStrata, type Strata } from '../../../src/strata.js';

/** A real Strata (built-in local config, temp SQLite home) and a knowledge base store over its database. */
export interface KbHarness {
  strata: Strata;
  kbs: KnowledgeBaseStore;
  dir: string;
  close(): Promise<void>;
}

export async function startKbHarness(): Promise<KbHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-kb-'));
  const strata = await createStrata({
    env: { ...process.env, STRATA_HOME: join(dir, 'home'), STRATA_DATABASE_URL: '', STRATA_CONFIG: '' },
    logger: createLogger({ level: 'silent' }),
    processMetrics: false,
  });
  return {
    strata,
    kbs: new KnowledgeBaseStore(strata.store),
    dir,
    async close() {
      await strata.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes files (relative path → content) under root, creating folders. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}
