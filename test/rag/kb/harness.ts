import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLogger } from '../../../src/observe/index.js';
import { KnowledgeBaseStore } from '../../../src/rag/kb/index.js';
import { createStrata, type Strata } from '../../../src/strata.js';
import { seededRandom } from '../../../src/core/index.js';
import { openStore, type Migration, type Store } from '../../../src/store/index.js';

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

/** A bare store on a SQLite home (no gateway): for engine-level tests that bring their own embedder. */
export async function openKbStore(home: string, migrations?: readonly Migration[]): Promise<{ store: Store; kbs: KnowledgeBaseStore }> {
  const store = await openStore({ home, ...(migrations === undefined ? {} : { migrations }) });
  return { store, kbs: new KnowledgeBaseStore(store) };
}

/** Made-up words from syllables: a vocabulary as varied as real text, the same for a seed. */
export function syntheticWords(count: number, seed: number): string[] {
  const rand = seededRandom(seed);
  const syllables = ['ka', 'lo', 'mi', 'ter', 'san', 'vu', 'rho', 'pel', 'dax', 'qui', 'nor', 'bex', 'tal', 'fen', 'gro', 'zim'];
  const words = new Set<string>();
  while (words.size < count) {
    const n = 2 + Math.floor(rand() * 2);
    words.add(Array.from({ length: n }, () => syllables[Math.floor(rand() * syllables.length)]).join(''));
  }
  return [...words];
}

/** Documents of varied synthetic text with sidecar metadata: `n` files, every `redEvery`-th in team red. */
export function writeTeamCorpus(root: string, n: number, redEvery: number, seed = 11): void {
  const vocab = syntheticWords(1500, seed);
  const rand = seededRandom(seed + 1);
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const red = i % redEvery === 0;
    const name = `d${String(i).padStart(4, '0')}.txt`;
    files[name] = Array.from({ length: 40 }, () => vocab[Math.floor(rand() * vocab.length)]).join(' ') + '.';
    files[`${name}.metadata.json`] = JSON.stringify({ metadataAttributes: { team: red ? 'red' : 'blue', n: i } });
  }
  writeTree(root, files);
}
