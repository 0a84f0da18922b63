import { userInfo } from 'node:os';
import { relative } from 'node:path';
import type { Command } from 'commander';
import { assertTenantName } from '../../compliance/index.js';
import { StrataError } from '../../core/index.js';
import { PromptRegistry, loadPromptDir, parsePromptRef, stringifyPromptContent, type LabelEvent, type PromptVersion } from '../../prompts/index.js';
import { PromptChangeAnnouncer } from '../../prompts/runtime/index.js';
import { connectRedis, openStore, type RedisClient } from '../../store/index.js';

interface CommonFlags {
  tenant?: string;
  json?: boolean;
}

/** Who acts, for the label history: the operator at this machine, with direct store access (admin). */
function cliActor(): { actor: string; actorRole: string } {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): still say it came from the CLI
  }
  return { actor: `cli:${user}`, actorRole: 'admin' };
}

function tenantOf(flags: CommonFlags): string {
  const tenant = flags.tenant ?? 'default';
  assertTenantName(tenant);
  return tenant;
}

/**
 * Runs fn with a registry on the store named by STRATA_DATABASE_URL / STRATA_HOME. Label moves are
 * announced to running servers (PostgreSQL NOTIFY or Redis) before the store closes.
 */
async function withRegistry<T>(fn: (registry: PromptRegistry) => Promise<T>): Promise<T> {
  const databaseUrl = process.env.STRATA_DATABASE_URL || undefined;
  const store = await openStore({ databaseUrl, home: process.env.STRATA_HOME || undefined });
  let redis: RedisClient | undefined;
  try {
    if (process.env.STRATA_REDIS_URL) redis = await connectRedis(process.env.STRATA_REDIS_URL);
    const announcer = new PromptChangeAnnouncer({ store, databaseUrl, redis, redisPrefix: process.env.STRATA_REDIS_PREFIX || 'strata:' });
    const registry = new PromptRegistry(store, { onLabelChange: (c) => announcer.announce(c) });
    try {
      return await fn(registry);
    } finally {
      await announcer.flush();
    }
  } finally {
    if (redis?.isOpen) redis.destroy();
    await store.close();
  }
}

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function versionJson(v: PromptVersion) {
  return { tenant: v.tenant, name: v.name, version: v.version, ref: `${v.name}@${v.version}`, hash: v.hash, message: v.message, createdAt: v.createdAt, createdBy: v.createdBy, content: v.content };
}

function describeMove(verb: string, name: string, e: LabelEvent): string {
  const at = (v: number | null): string => (v === null ? '(none)' : String(v));
  if (e.from === e.to) return `Label ${e.label} of ${name} already points at version ${at(e.to)}; nothing changed.`;
  return `${verb} ${e.label} of ${name}: ${at(e.from)} → ${at(e.to)}.`;
}

/** A version argument: a whole number from 1. */
function versionArg(text: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1) throw new StrataError('invalid_request', `'${text}' is not a version number; versions are whole numbers from 1 (see 'strata prompts show NAME').`);
  return Number(text);
}

/** 'production' → a label, '3' → a version. */
function refArg(text: string): { label?: string; version?: number } {
  return /^[0-9]+$/.test(text) ? { version: versionArg(text) } : { label: text };
}

/** Adds `strata prompts push|list|show|label|rollback|diff|history`: the prompt registry from the command line. */
export function registerPromptsCommand(program: Command): void {
  const prompts = program.command('prompts').description('Versioned prompts: push files, list, show, move labels, roll back, diff (stored in STRATA_DATABASE_URL or STRATA_HOME)');
  const common = (c: Command): Command => c.option('--tenant <name>', "the tenant whose prompts these are (default 'default')").option('--json', 'print JSON');

  common(
    prompts
      .command('push')
      .description('Sync every *.yaml under DIR into the registry: a new version per changed prompt, nothing for unchanged ones')
      .argument('<dir>', 'directory of prompt files (searched recursively)')
      .option('--label <label>', 'also point this label (e.g. staging) at each pushed version'),
  ).action(async (dir: string, flags: CommonFlags & { label?: string }) => {
    const tenant = tenantOf(flags);
    // every file is read and validated before anything is written: a broken file changes nothing
    const { files } = await loadPromptDir(dir);
    if (files.length === 0) throw new StrataError('invalid_request', `No prompt files (*.yaml, *.yml) under ${dir}.`);
    const results = await withRegistry(async (registry) => {
      const done = [];
      for (const f of files) {
        const r = await registry.push(tenant, f.content, { ...cliActor(), message: f.message, label: flags.label });
        done.push({ path: relative(dir, f.path) || f.path, name: r.version.name, version: r.version.version, created: r.created, labelEvent: r.labelEvent });
      }
      return done;
    });
    if (flags.json) {
      out(JSON.stringify({ data: results.map((r) => ({ path: r.path, name: r.name, version: r.version, created: r.created, ...(flags.label ? { label: flags.label, labelMoved: r.labelEvent !== undefined } : {}) })) }));
      return;
    }
    for (const r of results) {
      const label = flags.label && r.labelEvent ? `  ${flags.label}: ${r.labelEvent.from ?? '(none)'} → ${r.labelEvent.to}` : '';
      out(`${r.created ? 'created  ' : 'unchanged'}  ${r.name}@${r.version}  ${r.path}${label}`);
    }
    const created = results.filter((r) => r.created).length;
    process.stderr.write(`${created} created, ${results.length - created} unchanged (tenant ${tenant}).\n`);
  });

  common(prompts.command('list').description('List prompts with their latest version and labels')).action(async (flags: CommonFlags) => {
    const tenant = tenantOf(flags);
    const list = await withRegistry((r) => r.list(tenant));
    if (flags.json) return out(JSON.stringify({ data: list }));
    if (list.length === 0) return out(`No prompts in tenant ${tenant}; add some with 'strata prompts push DIR'.`);
    const labels = (l: Record<string, number>): string => Object.entries(l).filter(([k]) => k !== 'latest').map(([k, v]) => `${k}@${v}`).join(', ');
    out(table(['name', 'type', 'latest', 'labels', 'updated'], list.map((p) => [p.name, p.type, String(p.latest), labels(p.labels), iso(p.updatedAt)])));
  });

  common(prompts.command('show').description('Print one version as a prompt file').argument('<ref>', 'NAME, NAME@label or NAME@version')).action(async (text: string, flags: CommonFlags) => {
    const tenant = tenantOf(flags);
    const { name, ref } = parsePromptRef(text);
    const v = await withRegistry((r) => r.get(tenant, name, ref));
    if (flags.json) return out(JSON.stringify(versionJson(v)));
    out(`# ${v.name}@${v.version}  hash ${v.hash.slice(0, 12)}  pushed ${iso(v.createdAt)} by ${v.createdBy}${v.message ? `\n# ${v.message}` : ''}\n${stringifyPromptContent(v.content)}`);
  });

  common(
    prompts
      .command('label')
      .description('Point a label at a version (created if new); running servers follow within a second')
      .argument('<name>', 'prompt name')
      .argument('<version>', 'version number')
      .argument('<label>', 'label, e.g. production')
      .option('--reason <text>', 'why (recorded; required for protected labels)')
      .option('--protect', 'protect the label: later moves need admin/developer and a reason'),
  ).action(async (name: string, version: string, label: string, flags: CommonFlags & { reason?: string; protect?: boolean }) => {
    const tenant = tenantOf(flags);
    const v = versionArg(version);
    const event = await withRegistry((r) => r.setLabel(tenant, name, label, v, { ...cliActor(), reason: flags.reason, ...(flags.protect ? { protect: true } : {}) }));
    out(flags.json ? JSON.stringify({ name, ...event }) : describeMove('Moved', name, event));
  });

  common(
    prompts
      .command('rollback')
      .description('Move a label back to where it was before its last move (the history stays)')
      .argument('<name>', 'prompt name')
      .option('--label <label>', 'the label to roll back', 'production')
      .option('--reason <text>', 'why (recorded; required for protected labels)'),
  ).action(async (name: string, flags: CommonFlags & { label: string; reason?: string }) => {
    const tenant = tenantOf(flags);
    const event = await withRegistry((r) => r.rollback(tenant, name, flags.label, { ...cliActor(), reason: flags.reason }));
    out(flags.json ? JSON.stringify({ name, ...event }) : describeMove('Rolled back', name, event));
  });

  common(
    prompts
      .command('diff')
      .description('Unified diff of two versions or labels of a prompt')
      .argument('<name>', 'prompt name')
      .argument('<a>', 'version number or label')
      .argument('<b>', 'version number or label'),
  ).action(async (name: string, a: string, b: string, flags: CommonFlags) => {
    const tenant = tenantOf(flags);
    const diff = await withRegistry((r) => r.diff(tenant, name, refArg(a), refArg(b)));
    if (flags.json) return out(JSON.stringify({ name, a, b, identical: diff === '', diff }));
    if (diff === '') process.stderr.write(`${name}@${a} and ${name}@${b} have the same content.\n`);
    else process.stdout.write(diff.endsWith('\n') ? diff : `${diff}\n`);
  });

  common(
    prompts
      .command('history')
      .description('Label moves of a prompt: who, when, from and to')
      .argument('<name>', 'prompt name')
      .option('--label <label>', 'only this label'),
  ).action(async (name: string, flags: CommonFlags & { label?: string }) => {
    const tenant = tenantOf(flags);
    const events = await withRegistry((r) => r.history(tenant, name, flags.label));
    if (flags.json) return out(JSON.stringify({ data: events }));
    const at = (v: number | null): string => (v === null ? '-' : String(v));
    out(table(['at', 'label', 'kind', 'from', 'to', 'actor', 'reason'], events.map((e) => [iso(e.at), e.label, e.kind ?? '', at(e.from), at(e.to), e.actor, e.reason ?? ''])));
  });
}
