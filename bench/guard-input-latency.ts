// Added latency of a guardrail policy's input checks on 2 KB prompts: PII (every type, anonymised), three
// denied topics (local hash-embed embeddings + lexical cues), word filters (custom words + the managed
// profanity list) and the prompt-attack detector — all of them, as the input step runs them — and each check
// alone. Prompts are 2 KB of realistic support text with some PII, built from the PII generator's sentences.
// Prints JSON and writes bench/results/guard-input-latency.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { guardrailPolicySchema, type GuardrailPolicyConfig } from '../src/config/guardrails-schema.js';
import { GuardrailPolicy } from '../src/guardrails/index.js';
import { generateLabelledSet } from '../src/guardrails/pii/eval/generator.js';

const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 300);
const RUNS = Number(process.env.BENCH_RUNS ?? 2000);
const TARGET_BYTES = 2048;

const topics = [
  { name: 'investment-advice', definition: 'Recommendations about which stocks, funds or crypto currencies to buy or sell.', examples: ['Should I buy Tesla stock?', 'Which crypto will go up this year?'] },
  { name: 'medical-diagnosis', definition: 'Diagnosing illnesses or symptoms and recommending medication or treatment.', examples: ['What medicine should I take for chest pain?'] },
  { name: 'legal-advice', definition: 'Advice on lawsuits, contracts and legal disputes, including whether to sue.', examples: ['Can I sue my landlord?'] },
];

const policies: Record<string, unknown> = {
  all: {
    pii: { all: { input: 'ANONYMIZE', output: 'ANONYMIZE' } },
    topics: { mode: 'deny', topics },
    words: { words: ['competitor-x', 'project falcon', 'internal only'], managedProfanity: true },
    promptAttacks: { input: 'BLOCK' },
  },
  pii: { pii: { all: { input: 'ANONYMIZE', output: 'ANONYMIZE' } } },
  topics: { topics: { mode: 'deny', topics } },
  words: { words: { words: ['competitor-x', 'project falcon', 'internal only'], managedProfanity: true } },
  promptAttacks: { promptAttacks: { input: 'BLOCK' } },
};

/** 2 KB prompts: generated sentences (about one in four carries PII) joined until the size is reached. */
function prompts(): string[] {
  const sentences = generateLabelledSet(PROMPTS * 12, 11).map((d) => d.text);
  const out: string[] = [];
  let at = 0;
  for (let p = 0; p < PROMPTS; p++) {
    let text = 'Hello, I need help with my account and a recent order. ';
    while (Buffer.byteLength(text) < TARGET_BYTES) text += `${sentences[at++ % sentences.length]} `;
    out.push(text.slice(0, TARGET_BYTES));
  }
  return out;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function measure(policy: GuardrailPolicy, texts: string[]): Promise<{ p50Ms: number; p99Ms: number; meanMs: number; intervened: number }> {
  for (let i = 0; i < 200; i++) await policy.apply('INPUT', [{ text: texts[i % texts.length]! }]);
  const times: number[] = [];
  let intervened = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = await policy.apply('INPUT', [{ text: texts[i % texts.length]! }]);
    times.push(performance.now() - t0);
    if (r.action === 'GUARDRAIL_INTERVENED') intervened++;
  }
  times.sort((a, b) => a - b);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return { p50Ms: r3(quantile(times, 0.5)), p99Ms: r3(quantile(times, 0.99)), meanMs: r3(times.reduce((a, b) => a + b, 0) / times.length), intervened };
}

async function main(): Promise<void> {
  const texts = prompts();
  const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
  for (const [name, raw] of Object.entries(policies)) {
    const config: GuardrailPolicyConfig = guardrailPolicySchema.parse(raw);
    const policy = await GuardrailPolicy.compile(name, config);
    results[name] = await measure(policy, texts);
    process.stderr.write(`${name}: p50 ${results[name].p50Ms} ms, p99 ${results[name].p99Ms} ms\n`);
  }
  const report = {
    benchmark: 'guard-input-latency',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, loadavg: loadavg().map((x) => Math.round(x * 100) / 100) },
    settings: { prompts: PROMPTS, runs: RUNS, promptBytes: TARGET_BYTES, checks: 'all = PII (31 types, ANONYMIZE) + 3 denied topics (hash-embed) + words (3 custom + managed profanity) + prompt attacks' },
    results,
  };
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', 'guard-input-latency.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
