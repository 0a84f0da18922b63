import type { Command } from 'commander';
import { StrataError } from '../../core/index.js';
import { readStdin } from '../stdin.js';
import { loadConfig, type StrataConfig } from '../../config/index.js';
import {
  GuardrailRegistry,
  applyGuardrailResponse,
  embedFunctionFor,
  localHashEmbed,
  type GuardrailAssessment,
  type GuardrailSource,
  type GuardrailTextBlock,
  type JudgeChatFunction,
} from '../../guardrails/index.js';
import { createProviderModel } from '../../providers/registry.js';

interface GuardFlags {
  config?: string;
  policy: string;
  source: string;
  json?: boolean;
  showMatches?: boolean;
  groundingSource: string[];
  query?: string;
}

/** Adds `strata guard`: checks text against a guardrail policy (no server, no model call unless a judge is set). */
export function registerGuardCommand(program: Command): void {
  program
    .command('guard')
    .description('Check text against a guardrail policy and print the assessment (exit 0 whenever the check ran, whatever its verdict)')
    .argument('[text]', 'the text to check (default: read stdin)')
    .option('-c, --config <path>', 'strata.yaml (default: $STRATA_CONFIG, else built-in defaults with the policy "default")')
    .option('-p, --policy <name>', 'the policy to apply', 'default')
    .option('-s, --source <side>', 'input (a user prompt) or output (a model answer)', 'input')
    .option('--grounding-source <text>', 'a source the answer should be grounded in (repeatable; with --source output and --query)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--query <text>', 'the question the answer responds to (for grounding and relevance)')
    .option('--json', "print ApplyGuardrail's response shape")
    .option('--show-matches', 'include the matched text itself (it is the sensitive text: mind where the output goes)')
    .action(async (text: string | undefined, flags: GuardFlags) => {
      const source = parseSource(flags.source);
      // the newline a shell pipe ends with is not part of the text
      const input = text ?? (await readStdin()).replace(/\r?\n$/, '');
      if (input.trim() === '') throw new StrataError('invalid_request', 'Nothing to check: give the text as an argument or on stdin.');
      const config = loadConfig({ path: flags.config, env: process.env });
      const registry = await GuardrailRegistry.create(config.guardrails, guardDeps(config));
      const policy = registry.get(flags.policy);
      const blocks: GuardrailTextBlock[] = [{ text: input }];
      if (flags.groundingSource.length > 0 || flags.query !== undefined) {
        if (source !== 'OUTPUT' || flags.groundingSource.length === 0 || flags.query === undefined) {
          throw new StrataError('invalid_request', 'Grounding needs --source output, at least one --grounding-source and a --query.');
        }
        blocks.push(...flags.groundingSource.map((s): GuardrailTextBlock => ({ text: s, qualifiers: ['grounding_source'] })), { text: flags.query, qualifiers: ['query'] });
      }
      const result = await policy.apply(source, blocks);
      const response = applyGuardrailResponse(policy, source, blocks, result, { showMatches: flags.showMatches === true });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
        return;
      }
      const lines = [`policy ${policy.name} · ${source} · ${response.action}`];
      const findings = describeFindings(response.assessments, flags.showMatches === true);
      lines.push(...(findings.length > 0 ? findings.map((f) => `  ${f}`) : ['  no findings']));
      const out = response.outputs.map((o) => o.text).join('\n');
      lines.push(response.action === 'NONE' ? 'text passes unchanged' : `output:\n${out}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function parseSource(v: string): GuardrailSource {
  const s = v.toUpperCase();
  if (s === 'INPUT' || s === 'OUTPUT') return s;
  throw new StrataError('invalid_request', `--source must be input or output (got '${v}').`);
}

/** The CLI's embedder and judge: the same models the server would use, called directly (no gateway). */
function guardDeps(config: StrataConfig): { embed: ReturnType<typeof localHashEmbed>; judgeFor: (model: string) => JudgeChatFunction | undefined } {
  const embedConfig = config.models['hash-embed'];
  const embedder = embedConfig ? createProviderModel('hash-embed', embedConfig, process.env).embedding : undefined;
  return {
    embed: embedder ? embedFunctionFor(embedder) : localHashEmbed(),
    judgeFor: (alias) => {
      const m = config.models[alias];
      const chat = m ? createProviderModel(alias, m, process.env).chat : undefined;
      if (chat === undefined) return undefined;
      return async (messages) => (await chat.chat({ messages, params: { temperature: 0 } })).text;
    },
  };
}

const pct = (x: number | undefined): string => (x === undefined ? '' : ` (score ${x.toFixed(2)})`);

/** One readable line per finding: check, type and action (and the match only when asked for). */
function describeFindings(assessments: GuardrailAssessment[], showMatches: boolean): string[] {
  const lines: string[] = [];
  const match = (m: string | undefined): string => (showMatches && m !== undefined ? `  "${m}"` : '');
  for (const a of assessments) {
    for (const f of a.contentPolicy?.filters ?? []) if (f.detected) lines.push(`prompt attack  ${f.category ?? f.type}${pct(f.score)}  ${f.action}`);
    for (const t of a.topicPolicy?.topics ?? []) lines.push(`topic          ${t.name}${pct(t.score)}  ${t.action}`);
    for (const w of a.wordPolicy?.customWords ?? []) lines.push(`word           custom  ${w.action}${match(w.match)}`);
    for (const w of a.wordPolicy?.managedWordLists ?? []) lines.push(`word           ${w.type.toLowerCase()}  ${w.action}${match(w.match)}`);
    for (const p of a.sensitiveInformationPolicy?.piiEntities ?? []) lines.push(`pii            ${p.type}  ${p.action}${match(p.match)}`);
    for (const r of a.sensitiveInformationPolicy?.regexes ?? []) lines.push(`regex          ${r.name}  ${r.action}${match(r.match)}`);
    for (const g of a.contextualGroundingPolicy?.filters ?? []) lines.push(`${g.type.toLowerCase().padEnd(15)}score ${g.score.toFixed(2)} (threshold ${g.threshold})  ${g.action}`);
  }
  return lines;
}
