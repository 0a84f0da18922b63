import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { assertTenantName } from '../../compliance/index.js';
import { StrataError } from '../../core/index.js';
import { PromptRegistry } from '../../prompts/index.js';
import {
  EXPERIMENT_STATUSES,
  ExperimentStore,
  formatExperimentTable,
  type CreateExperimentInput,
  type Experiment,
  type ExperimentKind,
  type ExperimentStatus,
} from '../../prompts/experiments/index.js';
import { openStore, type Store } from '../../store/index.js';

interface TenantFlags {
  tenant: string;
  json?: boolean;
}

interface CreateFlags extends TenantFlags {
  name: string;
  prompt?: string;
  route?: string;
  arm: string[];
}

/** Runs fn on the store named by STRATA_DATABASE_URL / STRATA_HOME (migrated for experiments), closing it after. */
async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({
    databaseUrl: process.env.STRATA_DATABASE_URL || undefined,
    home: process.env.STRATA_HOME || undefined,
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Who acts from the command line: the operating-system user (the CLI has the database itself, like an admin). */
function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // no passwd entry (some containers): still say where the change came from
    return 'cli';
  }
}

/** `name=version[:weight]` (prompt) or `name=model[:weight]` (route) → an arm; weight defaults to 1. */
export function parseArmFlag(kind: ExperimentKind, text: string): CreateExperimentInput['arms'][number] {
  const usage = kind === 'prompt' ? 'name=version[:weight], e.g. control=3 or treatment=4:0.5' : 'name=model[:weight], e.g. control=sonnet or fast=haiku:0.2';
  const eq = text.indexOf('=');
  if (eq <= 0) throw new StrataError('invalid_request', `--arm '${text.slice(0, 60)}' is not ${usage}.`);
  const name = text.slice(0, eq);
  let value = text.slice(eq + 1);
  let weight = 1;
  const colon = value.lastIndexOf(':');
  if (colon >= 0) {
    const w = value.slice(colon + 1);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(w)) throw new StrataError('invalid_request', `--arm '${text.slice(0, 60)}': the weight after ':' must be a number ≥ 0 (${usage}).`);
    weight = Number(w);
    value = value.slice(0, colon);
  }
  if (kind === 'route') return { name, weight, model: value };
  if (!/^[0-9]+$/.test(value)) throw new StrataError('invalid_request', `--arm '${text.slice(0, 60)}': the version must be a whole number (${usage}).`);
  return { name, weight, version: Number(value) };
}

function armText(e: Experiment): string {
  return e.arms.map((a) => `${a.name}=${a.version ?? a.model ?? '?'}:${a.weight}`).join(' ');
}

/** A plain aligned table of experiments, newest first. */
export function formatExperimentList(list: readonly Experiment[]): string {
  if (list.length === 0) return 'No experiments.\n';
  const header = ['id', 'name', 'kind', 'target', 'status', 'arms', 'promoted', 'created'];
  const body = list.map((e) => [e.id, e.name, e.kind, e.target, e.status, armText(e), e.promotedArm ?? '', new Date(e.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z')]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...body.map(line)].join('\n')}\n`;
}

function describe(e: Experiment): string {
  const promoted = e.promotedArm === null ? '' : `, promoted arm ${e.promotedArm}`;
  return `Experiment ${e.id} '${e.name}' on ${e.kind} ${e.target}: ${e.status}${promoted}; arms ${armText(e)}`;
}

function print(flags: { json?: boolean }, json: unknown, text: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json)}\n` : text.endsWith('\n') ? text : `${text}\n`);
}

/** Adds `strata experiments create|list|show|start|pause|stop|promote`: A/B tests in the store (no server needed). */
export function registerExperimentsCommand(program: Command): void {
  const cmd = program.command('experiments').description('A/B experiments over prompt versions or route models (stored in STRATA_DATABASE_URL or STRATA_HOME)');
  const tenantOption = (c: Command): Command => c.option('--tenant <name>', 'tenant the experiment belongs to', 'default').option('--json', 'print JSON');

  tenantOption(
    cmd
      .command('create')
      .description('Create an experiment in status draft (start it with `strata experiments start ID`)')
      .requiredOption('--name <name>', 'experiment name: a lower-case letter, then lower-case letters, digits, ., _, -')
      .option('--prompt <name>', 'experiment over versions of this prompt (arms: name=version[:weight])')
      .option('--route <name>', 'experiment over models of this route (arms: name=model[:weight])')
      .option('--arm <spec>', 'an arm, repeated: name=version[:weight] or name=model[:weight]; weight defaults to 1', (v: string, prev: string[]) => [...prev, v], [] as string[]),
  ).action(async (flags: CreateFlags) => {
    assertTenantName(flags.tenant);
    if ((flags.prompt === undefined) === (flags.route === undefined)) throw new StrataError('invalid_request', 'Give exactly one of --prompt NAME and --route NAME.');
    const kind: ExperimentKind = flags.prompt !== undefined ? 'prompt' : 'route';
    if (flags.arm.length === 0) throw new StrataError('invalid_request', 'Give at least one --arm (name=version[:weight] or name=model[:weight]).');
    const input: CreateExperimentInput = { name: flags.name, kind, target: flags.prompt ?? flags.route ?? '', arms: flags.arm.map((a) => parseArmFlag(kind, a)) };
    const e = await withStore((store) => new ExperimentStore(store).create(flags.tenant, input, cliActor()));
    print(flags, e, `Created ${describe(e)}`);
  });

  tenantOption(cmd.command('list').description("List the tenant's experiments, newest first"))
    .option('--target <name>', 'only experiments over this prompt or route')
    .option('--status <status>', `only experiments in this status (${EXPERIMENT_STATUSES.join(', ')})`)
    .action(async (flags: TenantFlags & { target?: string; status?: string }) => {
      assertTenantName(flags.tenant);
      if (flags.status !== undefined && !(EXPERIMENT_STATUSES as readonly string[]).includes(flags.status)) {
        throw new StrataError('invalid_request', `--status must be one of ${EXPERIMENT_STATUSES.join(', ')}.`);
      }
      const filter = { ...(flags.target === undefined ? {} : { target: flags.target }), ...(flags.status === undefined ? {} : { status: flags.status as ExperimentStatus }) };
      const list = await withStore((store) => new ExperimentStore(store).list(flags.tenant, filter));
      print(flags, { data: list }, formatExperimentList(list));
    });

  tenantOption(cmd.command('show').description('Show an experiment and its results per arm, with confidence intervals and verdicts').argument('<id>', 'experiment id'))
    .option('--seed <n>', 'bootstrap seed (the same seed prints the same intervals)')
    .action(async (id: string, flags: TenantFlags & { seed?: string }) => {
      assertTenantName(flags.tenant);
      if (flags.seed !== undefined && !/^[0-9]{1,9}$/.test(flags.seed)) throw new StrataError('invalid_request', '--seed must be a whole number.');
      const opts = flags.seed === undefined ? {} : { seed: Number(flags.seed) };
      const { experiment, results } = await withStore((store) => new ExperimentStore(store).results(flags.tenant, id, opts));
      print(flags, { experiment, results }, `${describe(experiment)}\n\n${formatExperimentTable(results)}`);
    });

  for (const action of ['start', 'pause', 'stop'] as const) {
    const what = { start: 'Start (or resume) an experiment: requests are split between its arms', pause: 'Pause an experiment: requests get the normal version again', stop: 'Stop an experiment for good' }[action];
    tenantOption(cmd.command(action).description(what).argument('<id>', 'experiment id')).action(async (id: string, flags: TenantFlags) => {
      assertTenantName(flags.tenant);
      const e = await withStore((store) => new ExperimentStore(store)[action](flags.tenant, id, cliActor()));
      print(flags, e, describe(e));
    });
  }

  tenantOption(
    cmd
      .command('promote')
      .description("Move the prompt's production label to an arm's version and stop the experiment")
      .argument('<id>', 'experiment id')
      .argument('<arm>', 'the arm to promote'),
  ).action(async (id: string, arm: string, flags: TenantFlags) => {
    assertTenantName(flags.tenant);
    const { experiment, labelEvent } = await withStore((store) =>
      // the CLI writes the database directly, so it acts with an admin's rights (protected labels included)
      new ExperimentStore(store).promote(flags.tenant, id, arm, new PromptRegistry(store), cliActor(), 'admin'),
    );
    const moved = labelEvent.from === labelEvent.to ? `already at version ${labelEvent.to}` : `moved from ${labelEvent.from ?? '(none)'} to ${labelEvent.to}`;
    print(flags, { experiment, labelEvent }, `${experiment.target}@production ${moved}.\n${describe(experiment)}`);
  });
}
