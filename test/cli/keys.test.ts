import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/compliance/index.js';
import { openStore } from '../../src/store/index.js';
import { runCli, type CliRun } from '../helpers/spawn-strata.js';

let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'strata-keys-cli-'));
  env = { STRATA_HOME: home, STRATA_DATABASE_URL: '', STRATA_CONFIG: '' };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** One line on stderr, prefixed like every Strata CLI error, and a non-zero exit. */
function oneLineFailure(r: CliRun): string {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('strata keys', () => {
  it('creates a key shown once and lists it without the secret', async () => {
    const created = await runCli(['keys', 'create', '--tenant', 'acme', '--role', 'invoker', '--models', 'local', '--name', 'ci bot', '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    const out = JSON.parse(created.stdout) as { id: string; key: string; tenant: string; role: string; name: string; models: string[]; routes: null };
    expect(out).toMatchObject({ tenant: 'acme', role: 'invoker', name: 'ci bot', models: ['local'], routes: null });
    expect(out.key).toMatch(new RegExp(`^strata-${out.id}-[A-Za-z0-9_-]{43}$`));
    const secret = out.key.slice(`strata-${out.id}-`.length);

    // the key printed is one the store accepts
    const store = await openStore({ home });
    await expect(new KeyStore(store).verify(`Bearer ${out.key}`)).resolves.toMatchObject({ keyId: out.id, tenant: 'acme', models: ['local'] });
    await store.close();

    const listed = await runCli(['keys', 'list', '--json'], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(secret);
    expect(JSON.parse(listed.stdout)).toEqual({
      data: [{ id: out.id, tenant: 'acme', role: 'invoker', name: 'ci bot', models: ['local'], routes: null, createdAt: expect.any(Number), revokedAt: null }],
    });
    const table = await runCli(['keys', 'list'], { env });
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+tenant\s+role\s+name\s+models\s+routes\s+created\s+revoked$/);
    expect(table.stdout).toContain(out.id);
    expect(table.stdout).not.toContain(secret);

  });

  it('revokes a key, idempotently, and hides it from the default list', async () => {
    const store = await openStore({ home });
    const { info } = await new KeyStore(store).create({ tenant: 'initech', role: 'developer' });
    await store.close();
    const revoked = await runCli(['keys', 'revoke', info.id, '--json'], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    const first = JSON.parse(revoked.stdout) as { id: string; revokedAt: number };
    expect(first).toMatchObject({ id: info.id, revokedAt: expect.any(Number) });
    const again = await runCli(['keys', 'revoke', info.id], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Key ${info.id} was already revoked at ${new Date(first.revokedAt).toISOString().slice(0, 19)}Z`);
    const active = await runCli(['keys', 'list', '--tenant', 'initech', '--json'], { env });
    expect(JSON.parse(active.stdout)).toEqual({ data: [] });
    const all = await runCli(['keys', 'list', '--all', '--tenant', 'initech'], { env });
    expect(all.stdout).toContain(info.id);
  });

  it('prints only the key on stdout in text mode, with the warning on stderr', async () => {
    const r = await runCli(['keys', 'create', '--tenant', 'globex', '--role', 'auditor'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^strata-[0-9a-f]{16}-[A-Za-z0-9_-]{43}\n$/);
    expect(r.stderr).toContain('cannot be shown again');
  });

  it('checks --models and --routes against the config', async () => {
    const config = join(home, 'strata.yaml');
    writeFileSync(config, ['models:', '  haiku: { provider: local, id: extractive }', 'routes:', '  support: { models: [haiku] }', ''].join('\n'));
    const ok = await runCli(['keys', 'create', '--tenant', 'acme', '--role', 'developer', '--routes', 'support', '--models', 'haiku', '--config', config, '--json'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ models: ['haiku'], routes: ['support'] });
    const viaEnv = await runCli(['keys', 'create', '--tenant', 'acme', '--role', 'developer', '--models', 'local'], { env: { ...env, STRATA_CONFIG: config } });
    expect(oneLineFailure(viaEnv)).toBe(`strata: Unknown model(s) in --models: local; configured models (${config}): haiku.`);
  });

  it('exits non-zero with a one-line reason on bad input, creating nothing', async () => {
    const emptyHome = join(home, 'untouched');
    mkdirSync(emptyHome);
    const fresh = { STRATA_HOME: emptyHome, STRATA_DATABASE_URL: '', STRATA_CONFIG: '' };
    const role = oneLineFailure(await runCli(['keys', 'create', '--tenant', 'acme', '--role', 'root'], { env: fresh }));
    expect(role).toBe("strata: Unknown role 'root'; expected one of admin, developer, invoker, auditor.");
    const tenant = oneLineFailure(await runCli(['keys', 'create', '--tenant', 'Acme Corp', '--role', 'invoker'], { env: fresh }));
    expect(tenant).toMatch(/^strata: Invalid tenant 'Acme Corp': use 1-63 lower-case letters/);
    const model = oneLineFailure(await runCli(['keys', 'create', '--tenant', 'acme', '--role', 'invoker', '--models', 'local,gpt-9'], { env: fresh }));
    expect(model).toBe('strata: Unknown model(s) in --models: gpt-9; configured models (built-in defaults; pass --config or set STRATA_CONFIG): local, hash-embed.');
    const route = oneLineFailure(await runCli(['keys', 'create', '--tenant', 'acme', '--role', 'invoker', '--routes', 'local'], { env: fresh }));
    expect(route).toBe('strata: Unknown route(s) in --routes: local (model aliases go in --models); configured routes (built-in defaults; pass --config or set STRATA_CONFIG): default.');
    const missing = oneLineFailure(await runCli(['keys', 'create', '--role', 'invoker'], { env: fresh }));
    expect(missing).toMatch(/--tenant/);
    // input is checked before the store is opened: bad input leaves no database behind
    expect(existsSync(join(emptyHome, 'strata.db'))).toBe(false);
  });

  it('refuses to revoke an unknown id or something that is not an id', async () => {
    const unknown = oneLineFailure(await runCli(['keys', 'revoke', '0123456789abcdef'], { env }));
    expect(unknown).toMatch(/^strata: No API key with id 0123456789abcdef/);
    const notId = oneLineFailure(await runCli(['keys', 'revoke', 'strata-0123'], { env }));
    expect(notId).toMatch(/is not a key id/);
  });

  it('has --help on keys and each subcommand', async () => {
    const top = await runCli(['keys', '--help'], { env });
    expect(top.code).toBe(0);
    for (const sub of ['create', 'list', 'revoke']) expect(top.stdout).toContain(sub);
    const create = await runCli(['keys', 'create', '--help'], { env });
    expect(create.code).toBe(0);
    expect(create.stdout).toContain('Usage: strata keys create');
    for (const flag of ['--tenant', '--role', '--models', '--routes', '--name', '--json']) expect(create.stdout).toContain(flag);
  });
});
