// One finding per stretch of text: where findings overlap, the higher score wins, then the longer span.
import type { PiiFinding } from './types.js';

/** Keeps a non-overlapping subset of `findings` (best first, as above) and returns it in text order. */
export function resolveOverlaps(findings: PiiFinding[]): PiiFinding[] {
  if (findings.length < 2) return findings;
  const ranked = findings.slice().sort((a, b) => b.score - a.score || (b.end - b.start) - (a.end - a.start) || a.start - b.start);
  // kept spans in text order; a binary search finds the neighbours a candidate could overlap
  const kept: PiiFinding[] = [];
  for (const f of ranked) {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid]!.start < f.start) lo = mid + 1;
      else hi = mid;
    }
    const prev = kept[lo - 1];
    const next = kept[lo];
    if ((prev && prev.end > f.start) || (next && next.start < f.end)) continue;
    kept.splice(lo, 0, f);
  }
  return kept;
}
