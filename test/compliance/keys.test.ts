import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { KeyStore, type Principal } from '../../src/compliance/index.js';
import { digestsEqual, hashSecret } from '../../src/compliance/key-format.js';
import type { Store } from '../../src/store/index.js';
import { testEngines } from '../store/engines.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { caught } from '../helpers/caught.js';

const engines = testEngines('keys');
afterAll(async () => {
  for (const e of engines) await e.cleanup();
});

function bearer(key: string): string {
  return `Bearer ${key}`;
}

async function unauthorizedMessage(keys: KeyStore, header: string | undefined): Promise<string> {
  const e = await caught(keys.verify(header));
  expect(e).toMatchObject({ code: 'unauthorized', status: 401 });
  return (e as Error).message;
}

describe.each(engines)('KeyStore on $name', (engine) => {
  let store: Store;
  let clock: FakeClock;
  let keys: KeyStore;
  beforeEach(async () => {
    store = await engine.database().open();
    clock = new FakeClock();
    keys = new KeyStore(store, { clock, cacheMs: 60_000 });
    return () => store.close();
  });

  it('creates a key that verifies to its principal', async () => {
    const { info, key } = await keys.create({ tenant: 'acme', role: 'developer', name: 'ci', models: ['local'], routes: ['default'] });
    expect(key).toMatch(/^strata-[0-9a-f]{16}-[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`strata-${info.id}-`)).toBe(true);
    expect(info).toEqual({ id: info.id, tenant: 'acme', role: 'developer', name: 'ci', models: ['local'], routes: ['default'], createdAt: clock.now(), revokedAt: null });
    const p: Principal = await keys.verify(bearer(key));
    expect(p).toEqual({ keyId: info.id, tenant: 'acme', role: 'developer', models: ['local'], routes: ['default'] });
    // the scheme is case-insensitive (RFC 7235) and surrounding blanks are tolerated
    expect(await keys.verify(`  bearer   ${key} `)).toEqual(p);
    expect(await keys.get(info.id)).toEqual(info);
    expect(await keys.count()).toBe(1);
  });

  it('rejects a wrong secret for a real id, cached or not', async () => {
    const { info, key } = await keys.create({ tenant: 'acme', role: 'invoker' });
    const forged = `strata-${info.id}-${'A'.repeat(43)}`;
    const cold = await unauthorizedMessage(keys, bearer(forged));
    expect(cold).toMatch(/^Unknown API key/);
    await keys.verify(bearer(key)); // now cached
    expect(await unauthorizedMessage(keys, bearer(forged))).toBe(cold);
    // the last base64url character has spare bits; a different spelling of the same bytes is refused
    const last = key.at(-1)!;
    const respelled = key.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    await expect(keys.verify(bearer(respelled))).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('answers from the verification cache without waiting, and only from it', async () => {
    const { info, key } = await keys.create({ tenant: 'acme', role: 'invoker' });
    // not cached yet: the store must be asked
    expect(keys.verifyCached(bearer(key))).toBeUndefined();
    const p = await keys.verify(bearer(key));
    expect(keys.verifyCached(bearer(key))).toEqual(p);
    // a wrong secret or a malformed key throws exactly as verify() does
    expect(() => keys.verifyCached(bearer(`strata-${info.id}-${'A'.repeat(43)}`))).toThrow(/^Unknown API key/);
    expect(() => keys.verifyCached('Bearer nonsense')).toThrow(/^Malformed API key/);
    // past the cache time it says ask the store again
    clock.advance(60_001);
    expect(keys.verifyCached(bearer(key))).toBeUndefined();
  });

  it('tells missing, non-Bearer, malformed, unknown and revoked keys apart without echoing secrets', async () => {
    const { info, key } = await keys.create({ tenant: 'acme', role: 'invoker' });
    const secret = key.slice(`strata-${info.id}-`.length);
    const missing = await unauthorizedMessage(keys, undefined);
    expect(await unauthorizedMessage(keys, '   ')).toBe(missing);
    expect(missing).toMatch(/^Missing Authorization header/);
    const basic = await unauthorizedMessage(keys, 'Basic dXNlcjpwYXNz');
    expect(basic).toMatch(/not a Bearer token/);
    expect(await unauthorizedMessage(keys, key)).toMatch(/prefix it with 'Bearer '/);
    const truncated = await unauthorizedMessage(keys, bearer(key.slice(0, -1)));
    expect(truncated).toMatch(/^Malformed API key; expected strata-<16 hex>-<43 chars>/);
    expect(truncated).not.toContain(secret.slice(0, -1));
    expect(await unauthorizedMessage(keys, 'Bearer')).toBe(truncated);
    expect(await unauthorizedMessage(keys, bearer(`${key} extra`))).toBe(truncated);
    expect(await unauthorizedMessage(keys, bearer(key.toUpperCase()))).toBe(truncated);
    const unknown = await unauthorizedMessage(keys, bearer(`strata-0123456789abcdef-${secret}`));
    expect(unknown).toMatch(/^Unknown API key/);
    await keys.revoke(info.id);
    const revoked = await unauthorizedMessage(keys, bearer(key));
    expect(revoked).toMatch(new RegExp(`^API key ${info.id} has been revoked`));
    const all = [missing, basic, truncated, unknown, revoked];
    expect(new Set(all).size).toBe(all.length);
    for (const m of all) expect(m).not.toContain(secret);
  });

  it('refuses a revoked key at once although verified keys are cached for a minute', async () => {
    const { info, key } = await keys.create({ tenant: 'acme', role: 'invoker' });
    await keys.verify(bearer(key));
    const first = await keys.revoke(info.id);
    expect(first).toMatchObject({ id: info.id, revokedAt: clock.now() });
    await expect(keys.verify(bearer(key))).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/revoked/) });
  });

  it('does not cache a key whose lookup raced with its revocation', async () => {
    const { info, key } = await keys.create({ tenant: 'acme', role: 'invoker' });
    const inFlight = keys.verify(bearer(key));
    await keys.revoke(info.id);
    await inFlight.catch(() => undefined); // concurrent with the revocation: either answer is fair
    await expect(keys.verify(bearer(key))).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('sees a revocation made by another process once the cache time has passed', async () => {
    const { info, key } = await keys.create({ tenant: 'acme', role: 'invoker' });
    const other = new KeyStore(store, { clock, cacheMs: 1000 });
    await other.verify(bearer(key));
    await keys.revoke(info.id);
    await expect(other.verify(bearer(key))).resolves.toMatchObject({ keyId: info.id }); // within cacheMs: documented
    clock.advance(1000);
    await expect(other.verify(bearer(key))).rejects.toMatchObject({ code: 'unauthorized' });
    const uncached = new KeyStore(store, { clock, cacheMs: 0 });
    await expect(uncached.verify(bearer(key))).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('revokes idempotently, keeping the first revocation time', async () => {
    const { info } = await keys.create({ tenant: 'acme', role: 'auditor' });
    const first = await keys.revoke(info.id);
    clock.advance(5000);
    const again = await keys.revoke(info.id);
    expect(again).toEqual(first);
    expect(first?.revokedAt).toBe(info.createdAt);
    expect(await keys.revoke('0123456789abcdef')).toBeUndefined();
    expect(await keys.revoke('not-an-id')).toBeUndefined();
    expect(await keys.get('0123456789abcdef')).toBeUndefined();
  });

  it('lists by tenant and hides revoked keys unless asked', async () => {
    const a1 = await keys.create({ tenant: 'acme', role: 'invoker', name: 'one' });
    clock.advance(1);
    const a2 = await keys.create({ tenant: 'acme', role: 'developer' });
    clock.advance(1);
    const b1 = await keys.create({ tenant: 'globex', role: 'admin' });
    await keys.revoke(a2.info.id);
    const ids = (list: { id: string }[]): string[] => list.map((k) => k.id);
    expect(ids(await keys.list())).toEqual([a1.info.id, b1.info.id]);
    expect(ids(await keys.list({ includeRevoked: true }))).toEqual([a1.info.id, a2.info.id, b1.info.id]);
    expect(ids(await keys.list({ tenant: 'acme' }))).toEqual([a1.info.id]);
    expect(ids(await keys.list({ tenant: 'acme', includeRevoked: true }))).toEqual([a1.info.id, a2.info.id]);
    expect(await keys.list({ tenant: 'initech' })).toEqual([]);
    expect(await keys.count()).toBe(3);
    for (const k of await keys.list({ includeRevoked: true })) expect(Object.keys(k).sort()).toEqual(['createdAt', 'id', 'models', 'name', 'revokedAt', 'role', 'routes', 'tenant']);
  });

  it('stores no form of the secret but its SHA-256', async () => {
    const { info, key } = await keys.create({ tenant: 'acme', role: 'admin', name: 'root' });
    const secret = key.slice(`strata-${info.id}-`.length);
    const rows = await sql<Record<string, unknown>>`select * from api_keys`.execute(store.db);
    expect(rows.rows).toHaveLength(1);
    const cells = Object.values(rows.rows[0]!).map((v) => String(v));
    for (const cell of cells) {
      expect(cell).not.toContain(secret);
      expect(cell).not.toContain(Buffer.from(secret, 'base64url').toString('hex'));
      expect(cell).not.toContain(key);
    }
    expect(rows.rows[0]!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('makes unique keys and ids across many creations', async () => {
    const made = await Promise.all(Array.from({ length: 200 }, (_, i) => keys.create({ tenant: `t${i % 7}`, role: 'invoker' })));
    expect(new Set(made.map((m) => m.key)).size).toBe(200);
    expect(new Set(made.map((m) => m.info.id)).size).toBe(200);
    expect(await keys.count()).toBe(200);
  });

  it('validates input with messages a user can act on', async () => {
    await expect(keys.create({ tenant: 'Acme', role: 'invoker' })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^Invalid tenant 'Acme': use 1-63 lower-case/) });
    await expect(keys.create({ tenant: 'acme', role: 'root' as 'admin' })).rejects.toMatchObject({ message: expect.stringMatching(/^Unknown role 'root'; expected one of admin, developer, invoker, auditor/) });
    await expect(keys.create({ tenant: 'acme', role: 'invoker', models: [] })).rejects.toMatchObject({ message: expect.stringMatching(/empty; omit it/) });
    await expect(keys.create({ tenant: 'acme', role: 'admin', routes: ['default'] })).rejects.toMatchObject({ message: expect.stringMatching(/invoker and developer keys only/) });
    await expect(keys.create({ tenant: 'acme', role: 'invoker', name: 'a\u001b[2Jb' })).rejects.toMatchObject({ code: 'invalid_request' });
    expect(await keys.count()).toBe(0);
  });
});

describe('digestsEqual', () => {
  it('is true only for the same digest, wherever two digests differ, and false for other lengths', () => {
    const d = hashSecret('a'.repeat(43));
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(digestsEqual(d, hashSecret('a'.repeat(43)))).toBe(true);
    for (const i of [0, 31, 63]) {
      const other = d.slice(0, i) + (d[i] === '0' ? '1' : '0') + d.slice(i + 1);
      expect(digestsEqual(d, other)).toBe(false);
    }
    expect(digestsEqual(d, d.slice(1))).toBe(false);
  });
});
