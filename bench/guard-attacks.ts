// Prompt-attack detector quality: precision, recall and F1 per category and overall, per split, on the
// labelled set in src/guardrails/attacks/data/labelled.jsonl (hand-written attacks in publicly described
// styles, benign prompts with hard negatives, and RAG chunks with and without indirect injections).
// Split: within each (source, label, category) group, items alternate dev / held-out in file order. The
// detector's weights and threshold were tuned looking at dev only; held-out is the honest number.
// Usage: node --import tsx bench/guard-attacks.ts [--errors dev|test]. Writes bench/results/guard-attacks.json.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import {
  ATTACK_CATEGORIES,
  DEFAULT_ATTACK_THRESHOLD,
  detectPromptAttack,
  type AttackCategory,
  type PromptAttackResult,
} from '../src/guardrails/attacks/index.js';

interface Item {
  text: string;
  label: 'attack' | 'benign';
  category?: AttackCategory;
  source: 'user' | 'document';
  style: string;
}
type Split = 'dev' | 'test';
interface Scored extends Item {
  split: Split;
  result: PromptAttackResult;
}

const items: Item[] = readFileSync(new URL('../src/guardrails/attacks/data/labelled.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim().length > 0)
  .map((l) => JSON.parse(l) as Item);

const counters = new Map<string, number>();
const scored: Scored[] = items.map((it) => {
  const key = `${it.source}/${it.label}/${it.category ?? '-'}`;
  const n = counters.get(key) ?? 0;
  counters.set(key, n + 1);
  return { ...it, split: n % 2 === 0 ? 'dev' : 'test', result: detectPromptAttack(it.text, { source: it.source }) };
});

interface Prf {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

function prf(tp: number, fp: number, fn: number): Prf {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return { precision: r(precision), recall: r(recall), f1: r(f1), tp, fp, fn };
}

/** Overall: attack vs benign. Per category C: positives are C attacks; a detection counts as predicting its category. */
function evaluate(rows: readonly Scored[], threshold: number): Record<string, Prf> & { overall: Prf } {
  const hit = (s: Scored): boolean => s.result.score >= threshold;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const s of rows) {
    if (s.label === 'attack' && hit(s)) tp++;
    else if (s.label === 'attack') fn++;
    else if (hit(s)) fp++;
  }
  const out: Record<string, Prf> & { overall: Prf } = { overall: prf(tp, fp, fn) };
  for (const c of ATTACK_CATEGORIES) {
    let ctp = 0;
    let cfp = 0;
    let cfn = 0;
    for (const s of rows) {
      const predicted = hit(s) && s.result.category === c;
      if (s.label === 'attack' && s.category === c) {
        if (hit(s)) ctp++;
        else cfn++;
      } else if (predicted && s.label === 'benign') {
        cfp++;
      }
    }
    out[c] = prf(ctp, cfp, cfn);
  }
  for (const src of ['user', 'document'] as const) {
    const sub = rows.filter((s) => s.source === src);
    let a = 0;
    let b = 0;
    let c = 0;
    for (const s of sub) {
      if (s.label === 'attack' && hit(s)) a++;
      else if (s.label === 'attack') c++;
      else if (hit(s)) b++;
    }
    out[`source:${src}`] = prf(a, b, c);
  }
  return out;
}

function categoryAgreement(rows: readonly Scored[], threshold: number): number {
  const detected = rows.filter((s) => s.label === 'attack' && s.result.score >= threshold);
  const agree = detected.filter((s) => s.result.category === s.category).length;
  return detected.length === 0 ? 0 : Math.round((agree / detected.length) * 1000) / 1000;
}

const dev = scored.filter((s) => s.split === 'dev');
const test = scored.filter((s) => s.split === 'test');
const sweep = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7].map((t) => ({ threshold: t, dev: evaluate(dev, t).overall, test: evaluate(test, t).overall }));
const threshold = DEFAULT_ATTACK_THRESHOLD;
const result = {
  bench: 'guard-attacks',
  detector: 'weighted signal patterns (src/guardrails/attacks), no model',
  threshold,
  sizes: {
    dev: { attacks: dev.filter((s) => s.label === 'attack').length, benign: dev.filter((s) => s.label === 'benign').length },
    test: { attacks: test.filter((s) => s.label === 'attack').length, benign: test.filter((s) => s.label === 'benign').length },
  },
  dev: evaluate(dev, threshold),
  heldOut: evaluate(test, threshold),
  categoryAgreement: { dev: categoryAgreement(dev, threshold), heldOut: categoryAgreement(test, threshold) },
  sweep: sweep.map((r) => ({ threshold: r.threshold, devF1: r.dev.f1, devP: r.dev.precision, devR: r.dev.recall, heldOutF1: r.test.f1 })),
};

const errorsArg = process.argv.indexOf('--errors');
if (errorsArg > 0) {
  const which = process.argv[errorsArg + 1] === 'test' ? test : dev;
  for (const s of which) {
    const wrong = (s.label === 'attack') !== s.result.score >= threshold;
    if (wrong) console.error(`${s.label}\t${s.source}\t${s.category ?? '-'}\t${s.result.score.toFixed(2)}\t${s.result.signals.join(',')}\t${s.text.slice(0, 90).replace(/\n/g, ' ')}`);
  }
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/guard-attacks.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
