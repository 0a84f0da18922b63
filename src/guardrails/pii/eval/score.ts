// Precision, recall and F1 per entity type for detector output against gold spans.
import type { PiiFinding } from '../types.js';
import type { LabelledText } from './generator.js';

export interface TypeScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * A prediction matches a gold span of the same type when they overlap by at least half of their union (partial
 * boundaries such as a trailing period still count; a wrong type never does). Each gold span matches once.
 */
export function scoreFindings(set: readonly LabelledText[], predictions: readonly (readonly PiiFinding[])[], types?: readonly string[]): { perType: Record<string, TypeScore>; overall: TypeScore } {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const c = (t: string) => {
    let x = counts.get(t);
    if (!x) counts.set(t, (x = { tp: 0, fp: 0, fn: 0 }));
    return x;
  };
  for (const t of types ?? []) c(t);
  set.forEach((doc, i) => {
    const used = new Set<number>();
    for (const p of predictions[i]!) {
      const j = doc.gold.findIndex((g, k) => !used.has(k) && g.type === p.type && iou(g, p) >= 0.5);
      if (j >= 0) {
        used.add(j);
        c(p.type).tp++;
      } else c(p.type).fp++;
    }
    doc.gold.forEach((g, k) => {
      if (!used.has(k)) c(g.type).fn++;
    });
  });
  const perType: Record<string, TypeScore> = {};
  const total = { tp: 0, fp: 0, fn: 0 };
  for (const [t, x] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) {
    perType[t] = prf(x);
    total.tp += x.tp;
    total.fp += x.fp;
    total.fn += x.fn;
  }
  return { perType, overall: prf(total) };
}

function iou(a: { start: number; end: number }, b: { start: number; end: number }): number {
  const inter = Math.min(a.end, b.end) - Math.max(a.start, b.start);
  if (inter <= 0) return 0;
  return inter / (Math.max(a.end, b.end) - Math.min(a.start, b.start));
}

function prf(x: { tp: number; fp: number; fn: number }): TypeScore {
  const precision = x.tp + x.fp === 0 ? 1 : x.tp / (x.tp + x.fp);
  const recall = x.tp + x.fn === 0 ? 1 : x.tp / (x.tp + x.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const r3 = (n: number) => Math.round(n * 1000) / 1000;
  return { ...x, precision: r3(precision), recall: r3(recall), f1: r3(f1) };
}
