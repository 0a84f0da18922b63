import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/spawn-strata.js';

let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'strata-cli-'));
  env = { STRATA_HOME: home, STRATA_DATABASE_URL: '', STRATA_CONFIG: '' };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function noStackTrace(s: string): void {
  expect(s).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
}

describe('strata CLI', () => {
  it('has --help on the program and on each command', async () => {
    const top = await runCli(['--help'], { env });
    expect(top.code).toBe(0);
    for (const cmd of ['serve', 'chat', 'simulate', 'models']) expect(top.stdout).toContain(cmd);
    for (const cmd of ['serve', 'chat', 'simulate', 'models']) {
      const r = await runCli([cmd, '--help'], { env });
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toContain(`Usage: strata ${cmd}`);
    }
  });

  it('lists the built-in local models and route as JSON', async () => {
    const r = await runCli(['models', '--json'], { env });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { models: { alias: string; type: string }[]; routes: { name: string; models: string[] }[] };
    expect(out.models).toEqual(expect.arrayContaining([expect.objectContaining({ alias: 'local', type: 'chat' }), expect.objectContaining({ alias: 'hash-embed', type: 'embedding' })]));
    expect(out.routes).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'default', models: ['local'] })]));
  });

  it('chats in-process through the same pipeline, plain, streamed and as JSON, and from stdin', async () => {
    const q = 'Context:\n[1] The gateway retries throttled calls.\n[2] Reports are emailed weekly.\n\nHow often are reports emailed?';
    const plain = await runCli(['chat', q], { env });
    expect(plain.code).toBe(0);
    expect(plain.stdout.trim()).toBe('Reports are emailed weekly. [2]');
    const streamed = await runCli(['chat', '--stream', q], { env });
    expect(streamed.stdout.trim()).toBe('Reports are emailed weekly. [2]');
    const json = await runCli(['chat', '--json', q], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({ model: 'local', route: 'default', attempts: 1, text: 'Reports are emailed weekly. [2]' });
    const stdin = await runCli(['chat'], { env, input: q });
    expect(stdin.stdout.trim()).toBe('Reports are emailed weekly. [2]');
  });

  it('exits non-zero with a one-line reason on bad input', async () => {
    const unknown = await runCli(['chat', '--route', 'nope', 'hello'], { env });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr.trim()).toMatch(/^strata: Unknown model or route 'nope'/);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);

    const badTemp = await runCli(['chat', '--temperature', 'hot', 'hi'], { env });
    expect(badTemp.code).not.toBe(0);
    expect(badTemp.stderr).toContain('--temperature');

    const sim = await runCli(['simulate', '--protocol', 'grpc'], { env });
    expect(sim.code).not.toBe(0);
    expect(sim.stderr).toContain('--protocol must be bedrock or openai');
    noStackTrace(sim.stderr);

    const empty = await runCli(['chat'], { env, input: '' });
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('Nothing to send');
  });

  it('refuses an invalid config at start-up with one line per problem and no stack trace', async () => {
    const bad = join(home, 'bad.yaml');
    writeFileSync(
      bad,
      [
        'server: { port: 99999 }',
        'models:',
        '  sonnet: { provider: bedrok, id: x }',
        '  local: { provider: local, id: extractive }',
        'routes:',
        '  support: { models: [local, haiku], retry: { maxAttempts: 0 } }',
      ].join('\n'),
    );
    const r = await runCli(['serve', '--config', bad], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('server.port');
    expect(r.stderr).toContain('models.sonnet.provider');
    expect(r.stderr).toContain('routes.support.models[1]');
    expect(r.stderr).toContain('routes.support.retry.maxAttempts');
    noStackTrace(r.stderr);

    const missing = await runCli(['serve', '--config', join(home, 'nope.yaml')], { env });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('not found');

    const broken = join(home, 'broken.yaml');
    writeFileSync(broken, 'models:\n  a: { provider: local\n');
    const yamlErr = await runCli(['models', '--config', broken], { env });
    expect(yamlErr.code).not.toBe(0);
    expect(yamlErr.stderr).toMatch(/line \d+/);
    noStackTrace(yamlErr.stderr);
  });
});
