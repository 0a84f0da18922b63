import type { Command } from 'commander';
import { assertTenantName } from '../../compliance/index.js';
import { StrataError } from '../../core/index.js';
import { createLogger } from '../../observe/index.js';
import { validateChunkingConfig } from '../../rag/index.js';
import {
  SEARCH_MODES,
  parseRetrievalFilter,
  type AnswerResult,
  type IngestSummary,
  type KnowledgeBase,
  type KnowledgeBaseService,
  type RerankParams,
  type RetrievalFilter,
  type RetrievalResult,
  type SearchMode,
} from '../../rag/index.js';
import { createStrata, type Strata } from '../../strata.js';
import { evaluateBeir, scoresTable } from './kb-eval.js';
import { countIngestFiles, ingestProgress, progressReporter } from './kb-progress.js';

interface CommonFlags {
  config?: string;
  tenant?: string;
  json?: boolean;
}

/** What `--rerank [model]` gives: absent, bare (the default reranker) or a model. */
type RerankFlag = boolean | string | undefined;

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function tenantOf(flags: CommonFlags): string {
  const tenant = flags.tenant ?? 'default';
  assertTenantName(tenant);
  return tenant;
}

/** Runs fn with a whole Strata: ingestion and search embed through the gateway (limits, retries, cost per tenant). */
async function withKb<T>(flags: CommonFlags, fn: (kbs: KnowledgeBaseService, strata: Strata) => Promise<T>): Promise<T> {
  // log lines go to stderr: stdout is the command's output (JSON with --json)
  const logger = createLogger({ level: process.env.STRATA_LOG_LEVEL ?? 'warn', destination: process.stderr });
  const strata = await createStrata({ configPath: flags.config, logger, processMetrics: false });
  try {
    return await fn(strata.knowledgeBases, strata);
  } finally {
    await strata.close();
  }
}

/** `vector=0.7,lexical=0.3` → weights (either side may be left out). */
function hybridWeightsArg(text: string | undefined): { vector?: number; lexical?: number } | undefined {
  if (text === undefined) return undefined;
  const out: { vector?: number; lexical?: number } = {};
  for (const part of text.split(',')) {
    const m = /^\s*(vector|lexical)\s*=\s*([0-9]*\.?[0-9]+)\s*$/.exec(part);
    if (m === null) throw new StrataError('invalid_request', `--hybrid-weights takes vector=<n>,lexical=<n> (numbers ≥ 0), got "${text}".`);
    out[m[1] as 'vector' | 'lexical'] = Number(m[2]);
  }
  return out;
}

function intArg(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text)) throw new StrataError('invalid_request', `${name} must be a whole number, got "${text}".`);
  return Number(text);
}

function modeArg(text: string | undefined): SearchMode | undefined {
  if (text === undefined) return undefined;
  if (!(SEARCH_MODES as readonly string[]).includes(text)) throw new StrataError('invalid_request', `--mode must be one of ${SEARCH_MODES.join(', ')}, got "${text}".`);
  return text as SearchMode;
}

function filterArg(text: string | undefined): RetrievalFilter | undefined {
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StrataError('invalid_request', `--filter is not valid JSON (${(e as Error).message}); e.g. '{"equals":{"key":"team","value":"red"}}'.`);
  }
  return parseRetrievalFilter(raw);
}

function rerankArg(flag: RerankFlag): RerankParams | undefined {
  if (flag === undefined || flag === false) return undefined;
  return flag === true ? {} : { model: flag };
}

function kbJson(kb: KnowledgeBase) {
  return { id: kb.id, tenant: kb.tenant, name: kb.name, config: kb.config, documents: kb.documents, chunks: kb.chunks, createdAt: kb.createdAt, updatedAt: kb.updatedAt };
}

function describeSummary(path: string, s: IngestSummary): string {
  const lines = [`${path}: ${s.documents} documents (${s.chunks} chunks, ${s.tokens} tokens) ingested, ${s.unchanged} unchanged, ${s.removed} removed, ${s.skipped.length} skipped in ${s.seconds.toFixed(2)} s`];
  for (const k of s.skipped) lines.push(`  skipped ${k.path}: ${k.reason}`);
  return lines.join('\n');
}

function oneLine(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

function describeResults(results: RetrievalResult[]): string {
  if (results.length === 0) return 'No results.';
  return results
    .map((r, i) => {
      const page = r.metadata['x-strata-page'] === undefined ? '' : ` p.${r.metadata['x-strata-page']}`;
      return `${i + 1}. ${String(r.metadata.source)} #${r.metadata['x-strata-chunk']}${page}  score ${r.score.toFixed(4)}\n   ${oneLine(r.content.text, 240)}`;
    })
    .join('\n');
}

/** The answer, then its sources numbered once each, then how to continue the conversation. */
function describeAnswer(a: AnswerResult): string {
  const lines = [a.output.text.trim()];
  const sources = new Map<string, string>();
  for (const c of a.citations) {
    for (const ref of c.retrievedReferences) {
      const key = `${ref.location.customDocumentLocation.id}#${ref.metadata['x-strata-chunk']}`;
      if (!sources.has(key)) sources.set(key, `${String(ref.metadata.source)} #${ref.metadata['x-strata-chunk']}${ref.metadata['x-strata-page'] === undefined ? '' : ` p.${ref.metadata['x-strata-page']}`}`);
    }
  }
  if (sources.size > 0) {
    lines.push('', 'Sources:');
    [...sources.values()].forEach((s, i) => lines.push(`  [${i + 1}] ${s}`));
  }
  const guard = a.guardrail === undefined ? '' : `, guardrail ${a.guardrail.policy}: ${guardVerdict(a.guardrail)}`;
  lines.push('', `(${a.model === undefined ? 'no model call' : `model ${a.model}`}, prompt ${a.prompt}${guard}; continue with --session ${a.sessionId})`);
  return lines.join('\n');
}

/** What a guardrail policy did to an answer, in a few words (never the matched text). */
function guardVerdict(g: NonNullable<AnswerResult['guardrail']>): string {
  if (g.blocked !== undefined) return `blocked the ${g.blocked === 'input' ? 'question' : 'answer'}`;
  const masked = g.interventions.filter((i) => i.action === 'ANONYMIZED').flatMap((i) => i.types);
  const dropped = g.interventions.some((i) => i.side === 'documents' && i.action === 'BLOCKED');
  const parts = [...(masked.length > 0 ? [`masked ${[...new Set(masked)].join(', ')}`] : []), ...(dropped ? ['dropped a passage carrying instructions'] : [])];
  return parts.length === 0 ? 'no intervention' : parts.join('; ');
}

const common = (c: Command): Command =>
  c.option('-c, --config <path>', 'strata.yaml (default: $STRATA_CONFIG, else built-in local defaults)').option('--tenant <name>', "the tenant that owns the knowledge base (default 'default')").option('--json', 'print JSON');

const retrievalOptions = (c: Command): Command =>
  c
    .option('--mode <mode>', 'vector | lexical | hybrid (default hybrid)')
    .option('-k, --k <n>', 'number of results, 1–100 (default 5)')
    .option('--filter <json>', 'Bedrock metadata filter, e.g. {"equals":{"key":"team","value":"red"}}')
    .option('--rerank [model]', "rerank the results: 'local' (lexical cross-scorer, the default) or a Bedrock rerank model id or ARN")
    .option('--hybrid-weights <w>', "this search's fusion weights, e.g. vector=0.7,lexical=0.3 (default: the knowledge base's)");

/** Adds `strata kb create|list|ingest|search|ask|update|delete|eval`. */
export function registerKbCommand(program: Command): void {
  const kb = program.command('kb').description('Knowledge bases: create, ingest files and folders, search (vector, BM25, hybrid), ask with citations, evaluate');

  common(
    kb
      .command('create')
      .description('Create a knowledge base; its config is recorded so that results are reproducible')
      .argument('<name>', 'lower case a-z 0-9 . _ -, up to 63 characters')
      .option('--embedding-model <alias>', 'embedding model alias', 'hash-embed')
      .option('--chunking <strategy>', 'fixed | recursive | hierarchical | semantic | none', 'fixed')
      .option('--max-tokens <n>', 'maximum tokens per chunk (hierarchical: per child)')
      .option('--overlap <ratio>', 'overlap as a fraction of the chunk, e.g. 0.15')
      .option('--vector-index <kind>', 'exact (every chunk scored) | hnsw (approximate, for large knowledge bases)')
      .option('--hybrid-weights <w>', 'reciprocal rank fusion weights of hybrid search, e.g. vector=0.7,lexical=0.3 (default 1 and 1)')
      .option('--guardrail <policy>', "a guardrail policy of strata.yaml (or 'default') that checks every question and answer of kb ask and retrieve-and-generate"),
  ).action(async (name: string, flags: CommonFlags & { embeddingModel: string; chunking: string; maxTokens?: string; overlap?: string; vectorIndex?: string; hybridWeights?: string; guardrail?: string }) => {
    const tenant = tenantOf(flags);
    const raw: Record<string, unknown> = { strategy: flags.chunking };
    const maxTokens = intArg('--max-tokens', flags.maxTokens);
    if (maxTokens !== undefined) raw[flags.chunking === 'hierarchical' ? 'childTokens' : 'maxTokens'] = maxTokens;
    if (flags.overlap !== undefined) raw.overlapRatio = Number(flags.overlap);
    const chunking = validateChunkingConfig(raw);
    const index = flags.vectorIndex === undefined ? undefined : { vector: flags.vectorIndex as 'exact' | 'hnsw' };
    const hybrid = hybridWeightsArg(flags.hybridWeights);
    const config = { embeddingModel: flags.embeddingModel, chunking, ...(index ? { index } : {}), ...(hybrid ? { hybrid } : {}), ...(flags.guardrail === undefined ? {} : { guardrail: flags.guardrail }) };
    const created = await withKb(flags, (kbs) => kbs.create(tenant, name, config));
    if (flags.json) return out(JSON.stringify(kbJson(created)));
    const guarded = created.config.guardrail === undefined ? '' : `; answers checked by guardrail policy ${created.config.guardrail}`;
    out(`Created knowledge base ${created.name} (tenant ${tenant}, id ${created.id}): ${created.config.embeddingModel}, ${JSON.stringify(created.config.chunking)}${guarded}`);
  });

  common(kb.command('list').description('List the knowledge bases of a tenant')).action(async (flags: CommonFlags) => {
    const tenant = tenantOf(flags);
    const list = await withKb(flags, (kbs) => kbs.list(tenant));
    if (flags.json) return out(JSON.stringify({ data: list.map(kbJson) }));
    if (list.length === 0) return out(`No knowledge bases in tenant ${tenant}; create one with 'strata kb create NAME'.`);
    out(list.map((k) => `${k.name}  ${k.documents} documents, ${k.chunks} chunks  ${k.config.embeddingModel}  ${k.config.chunking.strategy}${k.config.guardrail === undefined ? '' : `  guardrail ${k.config.guardrail}`}`).join('\n'));
  });

  common(
    kb
      .command('ingest')
      .description('Ingest files and folders (recursively): unchanged documents are skipped, changed ones replaced')
      .argument('<name>', 'knowledge base')
      .argument('<paths...>', 'files or folders')
      .option('--sync', 'also remove documents whose files are gone (one PATH only)')
      .option('--include <glob>', 'only files matching this glob (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
      .option('--exclude <glob>', 'skip files matching this glob (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[]),
  ).action(async (name: string, paths: string[], flags: CommonFlags & { sync?: boolean; include: string[]; exclude: string[] }) => {
    const tenant = tenantOf(flags);
    // relPaths are relative to each PATH, so a sync over one PATH would remove every other PATH's documents
    if (flags.sync && paths.length > 1) throw new StrataError('invalid_request', '--sync takes exactly one PATH: documents are matched to files relative to it.');
    const summaries = await withKb(flags, async (kbs) => {
      await kbs.get(tenant, name);
      const done: (IngestSummary & { path: string })[] = [];
      for (const path of paths) {
        const reporter = progressReporter(`ingesting ${path}`, 'files');
        try {
          const total = await countIngestFiles(path, flags.include, flags.exclude);
          const s = await kbs.ingestPath(tenant, name, path, {
            sync: flags.sync,
            include: flags.include,
            exclude: flags.exclude,
            caller: { tenant },
            onProgress: ingestProgress(reporter, total),
          });
          done.push({ path, ...s });
        } finally {
          reporter.stop();
        }
      }
      return done;
    });
    if (flags.json) return out(JSON.stringify(summaries.length === 1 ? summaries[0] : { data: summaries }));
    out(summaries.map((s) => describeSummary(s.path, s)).join('\n'));
  });

  retrievalOptions(
    common(
      kb
        .command('search')
        .description('Search a knowledge base; --json prints Bedrock Retrieve’s response shape (retrievalResults[])')
        .argument('<name>', 'knowledge base')
        .argument('<query>', 'what to look for'),
    ),
  ).action(async (name: string, query: string, flags: CommonFlags & { mode?: string; k?: string; filter?: string; rerank?: RerankFlag; hybridWeights?: string }) => {
    const tenant = tenantOf(flags);
    const params = {
      tenant,
      knowledgeBase: name,
      query,
      mode: modeArg(flags.mode) ?? 'hybrid',
      k: intArg('--k', flags.k),
      filter: filterArg(flags.filter),
      rerank: rerankArg(flags.rerank),
      hybridWeights: hybridWeightsArg(flags.hybridWeights),
      caller: { tenant },
    };
    const results = await withKb(flags, (kbs) => kbs.retrieve(params));
    if (flags.json) return out(JSON.stringify({ retrievalResults: results }));
    out(describeResults(results));
  });

  retrievalOptions(
    common(
      kb
        .command('ask')
        .description('Answer a question from a knowledge base with citations; --json prints Bedrock RetrieveAndGenerate’s response shape')
        .argument('<name>', 'knowledge base')
        .argument('<question>', 'the question')
        .option('--session <id>', 'continue the conversation of an earlier answer (its sessionId)')
        .option('--model <alias>', 'route or model alias that writes the answer (default: rag.model in strata.yaml)')
        .option('--guardrail <policy>', "check the question and answer by this guardrail policy instead of the knowledge base's own"),
    ),
  ).action(async (name: string, question: string, flags: CommonFlags & { mode?: string; k?: string; filter?: string; rerank?: RerankFlag; session?: string; model?: string; guardrail?: string; hybridWeights?: string }) => {
    const tenant = tenantOf(flags);
    const params = {
      tenant,
      knowledgeBase: name,
      query: question,
      mode: modeArg(flags.mode),
      k: intArg('--k', flags.k),
      filter: filterArg(flags.filter),
      rerank: rerankArg(flags.rerank),
      hybridWeights: hybridWeightsArg(flags.hybridWeights),
      sessionId: flags.session,
      model: flags.model,
      guardrail: flags.guardrail,
      caller: { tenant },
    };
    const answer = await withKb(flags, (kbs) => kbs.retrieveAndGenerate(params));
    if (flags.json) {
      const guarded = answer.guardrailAction === undefined ? {} : { guardrailAction: answer.guardrailAction };
      return out(JSON.stringify({ sessionId: answer.sessionId, output: answer.output, citations: answer.citations, ...guarded }));
    }
    out(describeAnswer(answer));
  });

  common(
    kb
      .command('update')
      .description('Change a knowledge base: --embedding-model re-embeds every chunk (the old vectors serve until it is done)')
      .argument('<name>', 'knowledge base')
      .requiredOption('--embedding-model <alias>', 'the new embedding model alias'),
  ).action(async (name: string, flags: CommonFlags & { embeddingModel: string }) => {
    const tenant = tenantOf(flags);
    const reporter = progressReporter(`re-embedding ${name}`, 'chunks');
    const result = await withKb(flags, async (kbs) => {
      try {
        return await kbs.reembed(tenant, name, flags.embeddingModel, { caller: { tenant }, onProgress: (done, total) => reporter.update(done, total) });
      } finally {
        reporter.stop();
      }
    });
    if (flags.json) return out(JSON.stringify({ knowledgeBase: name, embeddingModel: flags.embeddingModel, ...result }));
    out(`Re-embedded ${result.chunks} chunks of ${name} with ${flags.embeddingModel} in ${result.seconds.toFixed(2)} s.`);
  });

  common(
    kb
      .command('delete')
      .description('Delete a knowledge base, or with --doc one of its documents')
      .argument('<name>', 'knowledge base')
      .option('--doc <id>', 'only this document (its id, as search results show in location.customDocumentLocation.id)'),
  ).action(async (name: string, flags: CommonFlags & { doc?: string }) => {
    const tenant = tenantOf(flags);
    await withKb(flags, (kbs) => (flags.doc === undefined ? kbs.delete(tenant, name) : kbs.deleteDocument(tenant, name, flags.doc)));
    if (flags.json) return out(JSON.stringify({ deleted: flags.doc === undefined ? { knowledgeBase: name } : { knowledgeBase: name, document: flags.doc } }));
    out(flags.doc === undefined ? `Deleted knowledge base ${name}.` : `Deleted document ${flags.doc} from ${name}.`);
  });

  common(
    kb
      .command('eval')
      .description('Score retrieval on a BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/test.tsv): nDCG@10, Recall@10, Recall@100, MRR@10')
      .requiredOption('--beir <dir>', 'the BEIR dataset folder')
      .option('--mode <mode>', 'vector | lexical | hybrid | all', 'all')
      .option('--rerank [model]', "rerank each query's top 100: 'local' (the default) or a Bedrock rerank model id or ARN")
      .option('--embedding-model <alias>', 'embedding model of the temporary knowledge base (default hash-embed)'),
  ).action(async (flags: CommonFlags & { beir: string; mode: string; rerank?: RerankFlag; embeddingModel?: string }) => {
    const tenant = tenantOf(flags);
    const modes: SearchMode[] = flags.mode === 'all' ? ['vector', 'lexical', 'hybrid'] : [modeArgForEval(flags.mode)];
    const scores = await withKb(flags, (kbs) =>
      evaluateBeir(kbs, flags.beir, { tenant, modes, rerank: rerankArg(flags.rerank), embeddingModel: flags.embeddingModel, progress: (phase) => progressReporter(phase, phase.includes('queries') ? 'queries' : 'documents') }),
    );
    if (flags.json) return out(JSON.stringify(scores));
    out(scoresTable(scores));
  });
}

function modeArgForEval(text: string): SearchMode {
  if (!(SEARCH_MODES as readonly string[]).includes(text)) throw new StrataError('invalid_request', `--mode must be one of ${SEARCH_MODES.join(', ')} or all, got "${text}".`);
  return text as SearchMode;
}
