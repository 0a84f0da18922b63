// Contextual grounding and relevance quality on src/guardrails/grounding/data/labelled.jsonl: hand-written
// (sources, question, answer) items labelled grounded / partly / ungrounded and relevant / irrelevant.
// Reports accuracy at the default thresholds (grounded passes; partly and ungrounded are blocked), relevance
// accuracy, the mean score per label (the ordering check: grounded > partly > ungrounded) and a threshold
// sweep. Usage: node --import tsx bench/guard-grounding.ts [--items]. Writes bench/results/guard-grounding.json.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import {
  DEFAULT_GROUNDING_THRESHOLD,
  DEFAULT_RELEVANCE_THRESHOLD,
  scoreGrounding,
  type GroundingResult,
} from '../src/guardrails/grounding/index.js';

interface Item {
  sources: string[];
  question: string;
  answer: string;
  label: 'grounded' | 'partly' | 'ungrounded';
  relevant: boolean;
}

const items: Item[] = readFileSync(new URL('../src/guardrails/grounding/data/labelled.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim().length > 0)
  .map((l) => JSON.parse(l) as Item);

const scored: (Item & { result: GroundingResult })[] = [];
for (const it of items) scored.push({ ...it, result: await scoreGrounding(it) });

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const mean = (xs: number[]): number => (xs.length === 0 ? 0 : r3(xs.reduce((a, b) => a + b, 0) / xs.length));

function groundingAccuracy(t: number): number {
  return r3(scored.filter((s) => (s.result.grounding >= t) === (s.label === 'grounded')).length / scored.length);
}
function relevanceAccuracy(t: number): number {
  return r3(scored.filter((s) => (s.result.relevance >= t) === s.relevant).length / scored.length);
}

const byLabel = (label: Item['label']): number[] => scored.filter((s) => s.label === label).map((s) => s.result.grounding);
const means = { grounded: mean(byLabel('grounded')), partly: mean(byLabel('partly')), ungrounded: mean(byLabel('ungrounded')) };
// Per-scenario ordering: for each question with all three labels, grounded > partly > ungrounded.
const groups = new Map<string, Record<string, number>>();
for (const s of scored) {
  if (!s.relevant) continue;
  const g = groups.get(s.question) ?? {};
  g[s.label] = s.result.grounding;
  groups.set(s.question, g);
}
let ordered = 0;
let complete = 0;
for (const g of groups.values()) {
  if (g.grounded === undefined || g.partly === undefined || g.ungrounded === undefined) continue;
  complete++;
  if (g.grounded > g.partly && g.partly > g.ungrounded) ordered++;
}

const result = {
  bench: 'guard-grounding',
  method: 'lexical + local/hash-embed (src/guardrails/grounding), no judge model',
  items: scored.length,
  labels: { grounded: byLabel('grounded').length, partly: byLabel('partly').length, ungrounded: byLabel('ungrounded').length, irrelevant: scored.filter((s) => !s.relevant).length },
  thresholds: { grounding: DEFAULT_GROUNDING_THRESHOLD, relevance: DEFAULT_RELEVANCE_THRESHOLD },
  groundingAccuracy: groundingAccuracy(DEFAULT_GROUNDING_THRESHOLD),
  relevanceAccuracy: relevanceAccuracy(DEFAULT_RELEVANCE_THRESHOLD),
  meanGrounding: means,
  orderingHolds: means.grounded > means.partly && means.partly > means.ungrounded,
  perQuestionOrdering: `${ordered}/${complete}`,
  sweep: [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8].map((t) => ({ threshold: t, grounding: groundingAccuracy(t), relevance: relevanceAccuracy(t) })),
};

if (process.argv.includes('--items')) {
  for (const s of scored) {
    console.error(`${s.label}\t${s.relevant ? 'rel' : 'irr'}\tg=${s.result.grounding.toFixed(2)}\tr=${s.result.relevance.toFixed(2)}\t${s.answer.slice(0, 80)}`);
  }
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/guard-grounding.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
