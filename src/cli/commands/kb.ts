import type { Command } from 'commander';
import { assertTenantName } from '../../compliance/index.js';
import { StrataError } from '../../core/index.js';
import { createLogger } from '../../observe/index.js';
import { validateChunkingConfig } from '../../rag/chunking/index.js';
import { KnowledgeBaseStore, ingest, search, type IngestSummary, type KnowledgeBase, type RetrievalResult, type SearchMode } from '../../rag/kb/index.js';
import { parseRetrievalFilter, type RetrievalFilter } from '../../rag/retrieve/index.js';
import { createStrata, type Strata } from '../../strata.js';

interface CommonFlags {
  config?: string;
  tenant?: string;
  json?: boolean;
}

/** A progress line on stderr every this many documents: enough to see that a long run moves. */
const PROGRESS_EVERY = 50;

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function tenantOf(flags: CommonFlags): string {
  const tenant = flags.tenant ?? 'default';
  assertTenantName(tenant);
  return tenant;
}

/** Runs fn with a whole Strata: ingestion and search embed through the gateway (limits, retries, cost per tenant). */
async function withKb<T>(flags: CommonFlags, fn: (strata: Strata, kbs: KnowledgeBaseStore) => Promise<T>): Promise<T> {
  const strata = await createStrata({ configPath: flags.config, logger: createLogger({ level: process.env.STRATA_LOG_LEVEL ?? 'warn' }), processMetrics: false });
  try {
    return await fn(strata, new KnowledgeBaseStore(strata.store));
  } finally {
    await strata.close();
  }
}

function intArg(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text)) throw new StrataError('invalid_request', `${name} must be a whole number, got "${text}".`);
  return Number(text);
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

function kbJson(kb: KnowledgeBase) {
  return { id: kb.id, tenant: kb.tenant, name: kb.name, config: kb.config, documents: kb.documents, chunks: kb.chunks, createdAt: kb.createdAt, updatedAt: kb.updatedAt };
}

function describeSummary(path: string, s: IngestSummary): string {
  const lines = [`${path}: ${s.documents} documents (${s.chunks} chunks, ${s.tokens} tokens) ingested, ${s.unchanged} unchanged, ${s.removed} removed, ${s.skipped.length} skipped in ${s.seconds.toFixed(2)} s`];
  for (const k of s.skipped) lines.push(`  skipped ${k.path}: ${k.reason}`);
  return lines.join('\n');
}

function describeResults(results: RetrievalResult[]): string {
  if (results.length === 0) return 'No results.';
  return results
    .map((r, i) => {
      const page = r.metadata['x-strata-page'] === undefined ? '' : ` p.${r.metadata['x-strata-page']}`;
      const text = r.content.text.replace(/\s+/g, ' ').trim();
      return `${i + 1}. ${String(r.metadata.source)} #${r.metadata['x-strata-chunk']}${page}  score ${r.score.toFixed(4)}\n   ${text.length > 240 ? `${text.slice(0, 240)}…` : text}`;
    })
    .join('\n');
}

/** Adds `strata kb create|list|ingest|search|delete`: knowledge bases on the embedded store. */
export function registerKbCommand(program: Command): void {
  const kb = program.command('kb').description('Knowledge bases: create, ingest files and folders, search (vector, BM25, hybrid), delete');
  const common = (c: Command): Command =>
    c.option('-c, --config <path>', 'strata.yaml (default: $STRATA_CONFIG, else built-in local defaults)').option('--tenant <name>', "the tenant that owns the knowledge base (default 'default')").option('--json', 'print JSON');

  common(
    kb
      .command('create')
      .description('Create a knowledge base; its config is recorded so that results are reproducible')
      .argument('<name>', 'lower case a-z 0-9 . _ -, up to 63 characters')
      .option('--embedding-model <alias>', 'embedding model alias', 'hash-embed')
      .option('--chunking <strategy>', 'fixed | recursive | hierarchical | semantic | none', 'fixed')
      .option('--max-tokens <n>', 'maximum tokens per chunk (hierarchical: per child)')
      .option('--overlap <ratio>', 'overlap as a fraction of the chunk, e.g. 0.15'),
  ).action(async (name: string, flags: CommonFlags & { embeddingModel: string; chunking: string; maxTokens?: string; overlap?: string }) => {
    const tenant = tenantOf(flags);
    const raw: Record<string, unknown> = { strategy: flags.chunking };
    const maxTokens = intArg('--max-tokens', flags.maxTokens);
    if (maxTokens !== undefined) raw[flags.chunking === 'hierarchical' ? 'childTokens' : 'maxTokens'] = maxTokens;
    if (flags.overlap !== undefined) raw.overlapRatio = Number(flags.overlap);
    const chunking = validateChunkingConfig(raw);
    const created = await withKb(flags, (_s, kbs) => kbs.create(tenant, name, { embeddingModel: flags.embeddingModel, chunking }));
    if (flags.json) return out(JSON.stringify(kbJson(created)));
    out(`Created knowledge base ${created.name} (tenant ${tenant}): ${created.config.embeddingModel}, ${JSON.stringify(created.config.chunking)}`);
  });

  common(kb.command('list').description('List the knowledge bases of a tenant')).action(async (flags: CommonFlags) => {
    const tenant = tenantOf(flags);
    const list = await withKb(flags, (_s, kbs) => kbs.list(tenant));
    if (flags.json) return out(JSON.stringify({ data: list.map(kbJson) }));
    if (list.length === 0) return out(`No knowledge bases in tenant ${tenant}; create one with 'strata kb create NAME'.`);
    out(list.map((k) => `${k.name}  ${k.documents} documents, ${k.chunks} chunks  ${k.config.embeddingModel}  ${k.config.chunking.strategy}`).join('\n'));
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
    const summaries = await withKb(flags, async (strata, kbs) => {
      const target = await kbs.get(tenant, name);
      const done: (IngestSummary & { path: string })[] = [];
      for (const path of paths) {
        const s = await ingest(kbs, strata.gateway, target, path, {
          sync: flags.sync,
          include: flags.include,
          exclude: flags.exclude,
          onProgress: (p) => {
            if (p.seen % PROGRESS_EVERY === 0) process.stderr.write(`${path}: ${p.seen} documents processed\n`);
          },
        });
        done.push({ path, ...s });
      }
      return done;
    });
    if (flags.json) return out(JSON.stringify(summaries.length === 1 ? summaries[0] : { data: summaries }));
    out(summaries.map((s) => describeSummary(s.path, s)).join('\n'));
  });

  common(
    kb
      .command('search')
      .description('Search a knowledge base; --json prints Bedrock Retrieve’s response shape')
      .argument('<name>', 'knowledge base')
      .argument('<query>', 'what to look for')
      .option('--mode <mode>', 'vector | lexical | hybrid', 'hybrid')
      .option('-k, --k <n>', 'number of results, 1–100', '5')
      .option('--filter <json>', 'Bedrock metadata filter, e.g. {"equals":{"key":"team","value":"red"}}'),
  ).action(async (name: string, query: string, flags: CommonFlags & { mode: string; k: string; filter?: string }) => {
    const tenant = tenantOf(flags);
    const k = intArg('--k', flags.k);
    const filter = filterArg(flags.filter);
    const results = await withKb(flags, async (strata, kbs) => search(kbs, strata.gateway, await kbs.get(tenant, name), query, { mode: flags.mode as SearchMode, k, filter }));
    if (flags.json) return out(JSON.stringify({ retrievalResults: results }));
    out(describeResults(results));
  });

  common(
    kb
      .command('delete')
      .description('Delete a knowledge base, or with --doc one of its documents')
      .argument('<name>', 'knowledge base')
      .option('--doc <id>', 'only this document (its id, as search results show in location.customDocumentLocation.id)'),
  ).action(async (name: string, flags: CommonFlags & { doc?: string }) => {
    const tenant = tenantOf(flags);
    await withKb(flags, (_s, kbs) => (flags.doc === undefined ? kbs.delete(tenant, name) : kbs.deleteDocument(tenant, name, flags.doc)));
    if (flags.json) return out(JSON.stringify({ deleted: flags.doc === undefined ? { knowledgeBase: name } : { knowledgeBase: name, document: flags.doc } }));
    out(flags.doc === undefined ? `Deleted knowledge base ${name}.` : `Deleted document ${flags.doc} from ${name}.`);
  });
}
