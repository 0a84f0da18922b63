import type { Command } from 'commander';
import { KEY_ID_PATTERN, KeyStore, assertTenantName, parseRole, validateKeyInput, type ApiKeyInfo } from '../../compliance/index.js';
import { loadConfig, type StrataConfig } from '../../config/index.js';
import { StrataError } from '../../core/index.js';
import { openStore } from '../../store/index.js';

interface CreateFlags {
  tenant: string;
  role: string;
  models?: string;
  routes?: string;
  name?: string;
  config?: string;
  json?: boolean;
}

/** Runs fn with a KeyStore on the store named by STRATA_DATABASE_URL / STRATA_HOME, closing it after. */
async function withKeyStore<T>(fn: (keys: KeyStore) => Promise<T>): Promise<T> {
  const store = await openStore({ databaseUrl: process.env.STRATA_DATABASE_URL || undefined, home: process.env.STRATA_HOME || undefined });
  try {
    return await fn(new KeyStore(store, { cacheMs: 0 }));
  } finally {
    await store.close();
  }
}

function splitList(flag: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new StrataError('invalid_request', `${flag} needs at least one name (comma-separated); leave it out to allow all.`);
  return names;
}

/** Throws unless every name is configured, listing the known ones, so a typo never makes a key that can call nothing. */
function checkKnown(config: StrataConfig, models: string[] | undefined, routes: string[] | undefined, source: string): void {
  const knownModels = Object.keys(config.models);
  const knownRoutes = Object.keys(config.routes);
  const badModels = (models ?? []).filter((m) => !knownModels.includes(m));
  if (badModels.length > 0) {
    throw new StrataError('invalid_request', `Unknown model(s) in --models: ${badModels.join(', ')}; configured models (${source}): ${knownModels.join(', ') || '(none)'}.`);
  }
  const badRoutes = (routes ?? []).filter((r) => !knownRoutes.includes(r));
  if (badRoutes.length > 0) {
    const hint = badRoutes.some((r) => knownModels.includes(r)) ? ' (model aliases go in --models)' : '';
    throw new StrataError('invalid_request', `Unknown route(s) in --routes: ${badRoutes.join(', ')}${hint}; configured routes (${source}): ${knownRoutes.join(', ') || '(none)'}.`);
  }
}

function isoTime(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A plain aligned table of keys; `*` means every model or route. */
export function formatKeyTable(keys: readonly ApiKeyInfo[]): string {
  if (keys.length === 0) return 'No API keys.\n';
  const header = ['id', 'tenant', 'role', 'name', 'models', 'routes', 'created', 'revoked'];
  const body = keys.map((k) => [k.id, k.tenant, k.role, k.name ?? '', k.models?.join(',') ?? '*', k.routes?.join(',') ?? '*', isoTime(k.createdAt), isoTime(k.revokedAt)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...body.map(line)].join('\n')}\n`;
}

/** Adds `strata keys create|list|revoke`: API keys in the store (no server needed). */
export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('Create, list and revoke API keys (stored in STRATA_DATABASE_URL or STRATA_HOME)');

  keys
    .command('create')
    .description('Create an API key and print it once: on stdout alone in text mode, so KEY=$(strata keys create …) works')
    .requiredOption('--tenant <name>', "tenant the key acts for: lower-case letters, digits, '.', '_', '-'")
    .requiredOption('--role <role>', 'admin | developer | invoker | auditor')
    .option('--models <aliases>', 'comma-separated model aliases the key may reach (default: all)')
    .option('--routes <names>', 'comma-separated routes the key may call (default: all)')
    .option('--name <label>', 'a label for people, shown in lists')
    .option('-c, --config <path>', 'strata.yaml to check --models/--routes against (default: $STRATA_CONFIG, else built-in local defaults)')
    .option('--json', 'print JSON')
    .action(async (flags: CreateFlags) => {
      const models = splitList('--models', flags.models);
      const routes = splitList('--routes', flags.routes);
      // Everything is checked before the store is opened, so bad input never creates a database.
      const input = validateKeyInput({ tenant: flags.tenant, role: parseRole(flags.role), name: flags.name, models, routes });
      if (models !== undefined || routes !== undefined) {
        const path = flags.config ?? (process.env.STRATA_CONFIG || undefined);
        // checking against the built-in defaults is rarely what was meant: say where the names came from
        const source = path ?? 'built-in defaults; pass --config or set STRATA_CONFIG';
        checkKnown(loadConfig({ path, env: process.env }), models, routes, source);
      }
      const { info, key } = await withKeyStore((ks) =>
        ks.create({ tenant: input.tenant, role: input.role, name: input.name ?? undefined, models, routes }),
      );
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ id: info.id, key, tenant: info.tenant, role: info.role, name: info.name, models: info.models, routes: info.routes, createdAt: info.createdAt })}\n`);
        return;
      }
      process.stderr.write(`Created ${info.role} key ${info.id} for tenant ${info.tenant}:\n`);
      process.stdout.write(`${key}\n`);
      process.stderr.write('Store this key now: it cannot be shown again (only its hash is kept).\n');
    });

  keys
    .command('list')
    .description('List API keys (never their secrets)')
    .option('--tenant <name>', 'only keys of this tenant')
    .option('--all', 'include revoked keys')
    .option('--json', 'print JSON')
    .action(async (flags: { tenant?: string; all?: boolean; json?: boolean }) => {
      if (flags.tenant !== undefined) assertTenantName(flags.tenant);
      const list = await withKeyStore((ks) => ks.list({ tenant: flags.tenant, includeRevoked: flags.all ?? false }));
      process.stdout.write(flags.json ? `${JSON.stringify({ data: list })}\n` : formatKeyTable(list));
    });

  keys
    .command('revoke')
    .description('Revoke an API key at once (running servers stop accepting it within a second)')
    .argument('<id>', 'the key id (16 hex characters, as in `strata keys list`)')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { json?: boolean }) => {
      if (!KEY_ID_PATTERN.test(id)) {
        throw new StrataError('invalid_request', `'${id}' is not a key id; ids are 16 lower-case hex characters, as shown by 'strata keys list'.`);
      }
      const result = await withKeyStore(async (ks) => {
        const existing = await ks.get(id);
        const revoked = existing && (await ks.revoke(id));
        return existing && revoked && { wasRevoked: existing.revokedAt !== null, after: revoked };
      });
      if (result === undefined) throw new StrataError('not_found', `No API key with id ${id}; 'strata keys list --all' shows the keys.`);
      const { wasRevoked, after } = result;
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(after)}\n`);
        return;
      }
      const when = isoTime(after.revokedAt);
      process.stdout.write(!wasRevoked ? `Revoked key ${id} (tenant ${after.tenant}) at ${when}.\n` : `Key ${id} was already revoked at ${when}.\n`);
    });
}
