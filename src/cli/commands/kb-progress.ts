import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { SIDECAR_SUFFIX, compileGlobs } from '../../rag/index.js';
import type { IngestProgress } from '../../rag/index.js';

/**
 * Progress of long `strata kb` work on stderr: a live bar when stderr is a terminal, otherwise a plain
 * line now and then (a log file or CI output gets lines, not cursor movements).
 */
export interface ProgressReporter {
  /** value out of total; the total may grow when the first estimate was low */
  update(value: number, total: number, detail?: Record<string, string | number>): void;
  /** ends the bar (or writes the last line) */
  stop(): void;
}

/** A plain line every this many steps when stderr is not a terminal: enough to see that a long run moves. */
const PLAIN_EVERY = 50;

/** A reporter of `label` counting `unit` (e.g. 'files', 'chunks') on stderr. */
export function progressReporter(label: string, unit: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: `${label} [{bar}] {value}/{total} ${unit} | {detail}`, hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(value, total, detail) {
        const text = detail ? Object.entries(detail).map(([k, v]) => `${v} ${k}`).join(', ') : '';
        if (!started) {
          bar.start(Math.max(total, value), value, { detail: text });
          started = true;
          return;
        }
        bar.setTotal(Math.max(total, value));
        bar.update(value, { detail: text });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = -1;
  let lastTotal = 0;
  let lastValue = 0;
  return {
    update(value, total) {
      lastValue = value;
      lastTotal = Math.max(total, value);
      if (value - last >= PLAIN_EVERY || last < 0) {
        stream.write(`${label}: ${value}/${lastTotal} ${unit}\n`);
        last = value;
      }
    },
    stop() {
      if (last >= 0 && lastValue !== last) stream.write(`${label}: ${lastValue}/${lastTotal} ${unit}\n`);
    },
  };
}

/**
 * How many files an ingest of `root` will look at (hidden entries and sidecars left out, globs
 * applied), for the bar's total. An estimate: records of a CSV or JSON file are one file here.
 */
export async function countIngestFiles(root: string, include: string[], exclude: string[]): Promise<number> {
  const included = include.length === 0 ? () => true : compileGlobs(include);
  const excluded = compileGlobs(exclude);
  const seen = new Set<string>();
  let count = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    let names: string[];
    try {
      const real = await realpath(dir);
      if (seen.has(real)) return;
      seen.add(real);
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const info = await stat(path).catch(() => undefined);
      if (info?.isDirectory()) await walk(path, relPath);
      else if (info?.isFile() && !relPath.endsWith(SIDECAR_SUFFIX) && included(relPath) && !excluded(relPath)) count++;
    }
  };
  const info = await stat(root).catch(() => undefined);
  if (info?.isFile()) return 1;
  if (info?.isDirectory()) await walk(root, '');
  return count;
}

/** Turns per-document ingest progress into files done (documents of one file share its relPath, in order). */
export function ingestProgress(reporter: ProgressReporter, totalFiles: number): (p: IngestProgress) => void {
  let files = 0;
  let lastPath: string | undefined;
  const counts = { ingested: 0, unchanged: 0, skipped: 0 };
  return (p) => {
    if (p.relPath !== lastPath) {
      files++;
      lastPath = p.relPath;
    }
    counts[p.status]++;
    reporter.update(files, totalFiles, counts);
  };
}
