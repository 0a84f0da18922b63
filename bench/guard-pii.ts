// PII detection quality and speed. Quality: precision, recall and F1 per entity type on the seeded labelled
// synthetic set (src/guardrails/pii/eval/generator.ts), plus the name and address approaches compared by F1.
// Speed: scan throughput on one core over ~2 KB prompts (PII-dense and typical prose), and the latency of a full
// scan of a 2 KB prompt (p50/p99). Prints JSON and writes bench/results/guard-pii.json.
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { PiiDetector, resolveOverlaps, type PiiFinding } from '../src/guardrails/pii/index.js';
import { generateLabelledSet, type LabelledText } from '../src/guardrails/pii/eval/generator.js';
import { scoreFindings } from '../src/guardrails/pii/eval/score.js';
import { scanNames, type NameEvidence } from '../src/guardrails/pii/names.js';
import { scanAddresses } from '../src/guardrails/pii/addresses.js';
import { seededRandom } from '../src/core/index.js';

const DOCS = Number(process.env.BENCH_PII_DOCS ?? 3000);
const SEED = Number(process.env.BENCH_PII_SEED ?? 42);
const SPEED_MB = Number(process.env.BENCH_PII_MB ?? 8);
const LATENCY_RUNS = Number(process.env.BENCH_PII_RUNS ?? 3000);

const detector = new PiiDetector();
const set = generateLabelledSet(DOCS, SEED);

// 1. quality per type
const predictions = set.map((d) => detector.detect(d.text));
const quality = scoreFindings(set, predictions, [...detector.types]);

// 2. names and addresses: gazetteers, patterns, both (the detector uses both)
const onlyType = (type: string): LabelledText[] => set.map((d) => ({ text: d.text, gold: d.gold.filter((g) => g.type === type) }));
const nameVariants: Record<string, NameEvidence> = {
  'patterns only (honorifics, triggers, capitalised runs)': { gazetteer: false, patterns: true },
  'gazetteers only (first names + surnames)': { gazetteer: true, patterns: false },
  'gazetteers + patterns (chosen)': { gazetteer: true, patterns: true },
};
const nameGold = onlyType('NAME');
const names: Record<string, unknown> = {};
for (const [label, ev] of Object.entries(nameVariants)) {
  const preds = set.map((d) => {
    const out: PiiFinding[] = [];
    scanNames(d.text, detector.threshold, out, ev);
    return resolveOverlaps(out);
  });
  names[label] = scoreFindings(nameGold, preds).overall;
}
const addressGold = onlyType('ADDRESS');
const addresses: Record<string, unknown> = {};
for (const [label, gazetteer] of [['street/PO-box/city-line patterns without gazetteers', false], ['patterns + gazetteers (states, cities; chosen)', true]] as const) {
  const preds = set.map((d) => {
    const out: PiiFinding[] = [];
    scanAddresses(d.text, detector.threshold, out, { gazetteer });
    return resolveOverlaps(out);
  });
  addresses[label] = scoreFindings(addressGold, preds).overall;
}

// 3. speed on ~2 KB prompts
function prompts(kind: 'dense' | 'typical', totalBytes: number): string[] {
  const r = seededRandom(SEED + (kind === 'dense' ? 1 : 2));
  const pool = generateLabelledSet(2000, SEED + 7).map((d) => d.text);
  const prose = 'The customer reported that the export job failed twice overnight and the retry did not help. We checked the logs, found a timeout in the reporting service and raised the limit. Please confirm whether the numbers in the weekly summary look right now, and tell us if anything else is off. ';
  const out: string[] = [];
  let bytes = 0;
  while (bytes < totalBytes) {
    let p = '';
    while (p.length < 2048) p += (kind === 'dense' || r() < 0.15 ? pool[Math.floor(r() * pool.length)]! : prose) + ' ';
    out.push(p);
    bytes += Buffer.byteLength(p);
  }
  return out;
}
/** MB/s per wall-clock second and per CPU second of this (single) thread: on a shared machine the CPU figure is the one-core rate. */
function throughput(ps: string[]): { wall: number; cpu: number } {
  for (const p of ps.slice(0, 200)) detector.detect(p); // warm-up: JIT and regex compilation
  const bytes = ps.reduce((s, p) => s + Buffer.byteLength(p), 0);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const p of ps) detector.detect(p);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  return { wall: Math.round((bytes / 1e6 / wall) * 10) / 10, cpu: Math.round((bytes / 1e6 / cpu) * 10) / 10 };
}
const dense = prompts('dense', SPEED_MB * 1e6);
const typical = prompts('typical', SPEED_MB * 1e6);
const denseMBs = throughput(dense);
const typicalMBs = throughput(typical);

const twoKb = prompts('dense', LATENCY_RUNS * 2100).slice(0, LATENCY_RUNS).map((p) => p.slice(0, 2048));
const lat: number[] = [];
for (const p of twoKb) {
  const t0 = process.hrtime.bigint();
  detector.detect(p);
  lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
lat.sort((a, b) => a - b);
const pct = (q: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]! * 1000) / 1000;

const result = {
  benchmark: 'guard-pii',
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
  set: { docs: DOCS, seed: SEED, goldSpans: set.reduce((s, d) => s + d.gold.length, 0), matching: 'same type, span IoU >= 0.5', threshold: detector.threshold },
  overall: quality.overall,
  perType: quality.perType,
  namesApproach: names,
  addressesApproach: addresses,
  nlpLibrary: 'none installed (no compromise / wink-nlp / natural in node_modules); not measured',
  speed: {
    oneCore: true,
    promptBytes: 2048,
    note: 'dense: every sentence carries PII (the labelled set); typical: ~15% of sentences do. MB/s per CPU second and per wall second',
    denseMBperS: denseMBs,
    typicalMBperS: typicalMBs,
    loadAverage: loadavg()[0],
    latency2KbMs: { p50: pct(0.5), p99: pct(0.99), runs: lat.length },
  },
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'guard-pii.json'), JSON.stringify(result, null, 2) + '\n');
