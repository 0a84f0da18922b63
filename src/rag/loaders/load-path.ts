import type { Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { StrataError } from '../../core/index.js';
import { compileGlobs } from './glob.js';
import { loadFile } from './load-file.js';
import { isNodeError } from './sidecar.js';
import { SIDECAR_SUFFIX, type LoadOptions, type LoadProblem, type LoadResult } from './types.js';

interface WalkEntry {
  path: string;
  relPath: string;
}

/** Plain code-unit order: the same on every machine and locale, unlike localeCompare. */
function byRelPath(a: WalkEntry, b: WalkEntry): number {
  return a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0;
}

function problem(path: string, relPath: string, e: unknown): { problem: LoadProblem } {
  const reason = e instanceof Error ? e.message : String(e);
  return { problem: { path: resolve(path), relPath, reason } };
}

/**
 * Collects the files under dir. Hidden entries (`.git`, `.DS_Store`) are skipped: they are tool
 * state, not content. Symlinked folders are followed once each (by real path), so a link loop
 * cannot make the walk endless.
 */
async function collect(
  dir: string,
  rel: string,
  seenDirs: Set<string>,
  files: WalkEntry[],
  problems: { problem: LoadProblem }[],
): Promise<void> {
  let names: string[];
  try {
    const real = await realpath(dir);
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    names = await readdir(dir);
  } catch (e) {
    problems.push(problem(dir, rel, new Error(`Cannot list the folder: ${e instanceof Error ? e.message : String(e)}`)));
    return;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const relPath = rel.length === 0 ? name : `${rel}/${name}`;
    try {
      const info = await stat(path);
      if (info.isDirectory()) await collect(path, relPath, seenDirs, files, problems);
      else if (info.isFile()) files.push({ path, relPath });
    } catch (e) {
      // a dangling symlink or a file deleted mid-walk: report it, keep walking
      problems.push(problem(path, relPath, e));
    }
  }
}

/**
 * Loads a file, or every file under a folder (recursively), in relPath order. Each file gives its
 * documents or one problem (unsupported, corrupt, too large, malformed sidecar); the walk goes on.
 * Sidecars (`*.metadata.json`) are read with their file, never loaded as documents.
 * Throws StrataError('invalid_request') only when the root itself does not exist or a glob is bad.
 */
export async function* loadPath(root: string, opts: LoadOptions = {}): AsyncGenerator<LoadResult> {
  const included = opts.include === undefined || opts.include.length === 0 ? () => true : compileGlobs(opts.include);
  const excluded = compileGlobs(opts.exclude ?? []);

  let rootInfo: Stats;
  try {
    rootInfo = await stat(root);
  } catch (e) {
    const why = isNodeError(e) && e.code === 'ENOENT' ? 'does not exist' : `cannot be read (${e instanceof Error ? e.message : String(e)})`;
    throw new StrataError('invalid_request', `Ingest path ${root} ${why}.`, { cause: e });
  }

  const files: WalkEntry[] = [];
  const problems: { problem: LoadProblem }[] = [];
  if (rootInfo.isDirectory()) await collect(root, '', new Set(), files, problems);
  else files.push({ path: root, relPath: basename(root) });

  // problems found while walking are merged into the same order as the files
  const queue: (WalkEntry & { walkProblem?: { problem: LoadProblem } })[] = [
    ...files.filter((f) => !f.relPath.endsWith(SIDECAR_SUFFIX) && included(f.relPath) && !excluded(f.relPath)),
    ...problems.filter((p) => !excluded(p.problem.relPath)).map((p) => ({ path: p.problem.path, relPath: p.problem.relPath, walkProblem: p })),
  ].sort(byRelPath);

  for (const entry of queue) {
    if (entry.walkProblem !== undefined) {
      yield entry.walkProblem;
      continue;
    }
    try {
      for (const document of await loadFile(entry.path, entry.relPath, opts)) yield { document };
    } catch (e) {
      yield problem(entry.path, entry.relPath, e);
    }
  }
}
