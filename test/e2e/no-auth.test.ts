import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServe, type ServeProcess } from '../helpers/spawn-strata.js';

// `strata serve --no-auth`: development mode, no key needed, and it says so loudly.
let home: string;
let server: ServeProcess;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'strata-no-auth-'));
  server = await spawnServe(['--no-auth'], { STRATA_HOME: home, STRATA_DATABASE_URL: '', STRATA_CONFIG: '', STRATA_LOG_LEVEL: 'info' });
});
afterAll(async () => {
  await server?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('strata serve --no-auth', () => {
  it('serves without keys, creates no admin key, and warns on stderr and in the log', async () => {
    const startLine = JSON.parse(server.output().split('\n').find((l) => l.startsWith('{"url"'))!) as Record<string, unknown>;
    expect(startLine.auth).toBe('off');
    expect(startLine).not.toHaveProperty('adminKey');
    expect(server.adminKey).toBeUndefined();
    expect(existsSync(join(home, 'admin.key'))).toBe(false);

    await server.waitFor('WARNING: authentication is OFF (--no-auth)');
    expect(server.output()).toContain(`Anyone who can reach ${server.url} is admin`);
    await server.waitFor('"event":"auth_disabled"');
    const warn = JSON.parse(server.output().split('\n').find((l) => l.includes('"event":"auth_disabled"'))!) as { level: number | string; url: string };
    expect([40, 'warn']).toContain(warn.level);
    expect(warn.url).toBe(server.url);

    // any client works without a key, the openai SDK included (its apiKey is not checked)
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-a-strata-key', maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Context:\n[1] Dev mode is open.\n\nWhat is open?' }] });
    expect(r.choices[0]!.message.content).toContain('Dev mode is open');
    const usage = await fetch(`${server.url}/v1/usage?tenant=default`);
    expect(usage.status).toBe(200);
    // there are no keys to manage in development mode: a clear 404, not an open key API
    const keys = await fetch(`${server.url}/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'x', role: 'admin' }) });
    expect(keys.status).toBe(404);
    expect(((await keys.json()) as { error: { message: string } }).error.message).toContain('Keys are not managed in development mode');
  });
});
