import type BetterSqlite3 from 'better-sqlite3';
import { StrataError, systemClock, type Clock } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { Principal } from './access.js';
import { API_KEY_SHAPE, KEY_ID_PATTERN, digestsEqual, generateApiKey, hashSecret, parseApiKey } from './key-format.js';
import { validateKeyInput, type CreateKeyInput } from './key-input.js';
import { isRole, type Role } from './roles.js';

/** A key as shown to people: never the secret nor its hash. */
export interface ApiKeyInfo {
  id: string;
  tenant: string;
  role: Role;
  name: string | null;
  models: string[] | null;
  routes: string[] | null;
  /** epoch ms */
  createdAt: number;
  /** epoch ms; null while active */
  revokedAt: number | null;
}

export interface KeyStoreOptions {
  clock?: Clock;
  /** how long a verified key is trusted without a lookup; default 1000; 0 = always look up */
  cacheMs?: number;
}

/** The columns verify() needs. */
interface AuthRow {
  id: string;
  tenant: string;
  role: string;
  models: string | null;
  routes: string | null;
  secret_hash: string;
  revoked_at: number | null;
}

interface InfoRow extends AuthRow {
  name: string | null;
  created_at: number;
}

interface CachedKey {
  principal: Principal;
  digest: string;
  until: number;
}

// Only keys that verified are cached, so the cap bounds memory against many real keys, not attackers.
const MAX_CACHED_KEYS = 10_000;
const AUTH_COLUMNS = ['id', 'tenant', 'role', 'models', 'routes', 'secret_hash', 'revoked_at'] as const;
const INFO_COLUMNS = [...AUTH_COLUMNS, 'name', 'created_at'] as const;

/** Why a key was refused, for metrics (the message is for people). */
export type AuthFailureReason = 'missing' | 'not_bearer' | 'malformed' | 'unknown_key' | 'revoked';

function unauthorized(message: string, reason: AuthFailureReason): StrataError {
  return new StrataError('unauthorized', message, { details: { reason } });
}

function parseList(text: string | null, id: string): string[] | null {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new StrataError('internal', `API key ${id} has a corrupt allow-list in the database.`);
  }
  return value;
}

function roleOf(row: { id: string; role: string }): Role {
  if (!isRole(row.role)) throw new StrataError('internal', `API key ${row.id} has an unknown role '${row.role}' in the database.`);
  return row.role;
}

function toInfo(row: InfoRow): ApiKeyInfo {
  return {
    id: row.id,
    tenant: row.tenant,
    role: roleOf(row),
    name: row.name,
    models: parseList(row.models, row.id),
    routes: parseList(row.routes, row.id),
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

function toPrincipal(row: AuthRow): Principal {
  // Frozen: one cached principal is shared by every request made with the key.
  const models = parseList(row.models, row.id);
  const routes = parseList(row.routes, row.id);
  return Object.freeze({
    keyId: row.id,
    tenant: row.tenant,
    role: roleOf(row),
    models: models && Object.freeze(models),
    routes: routes && Object.freeze(routes),
  }) as Principal;
}

/** Extracts the key from `Bearer <key>`, or throws an unauthorized error saying what is wrong. */
function bearerKey(authorization: string | undefined): string {
  const value = authorization?.trim() ?? '';
  if (value === '') {
    throw unauthorized(`Missing Authorization header; send 'Authorization: Bearer ${API_KEY_SHAPE}' (create a key with 'strata keys create').`, 'missing');
  }
  const space = value.search(/[ \t]/);
  const scheme = space < 0 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    const hint = value.startsWith('strata-') ? " (the key alone was sent: prefix it with 'Bearer ')" : '';
    throw unauthorized(`The Authorization header is not a Bearer token${hint}; send 'Authorization: Bearer ${API_KEY_SHAPE}'.`, 'not_bearer');
  }
  // Whatever follows is checked against the key's exact shape, so a stray space is "malformed".
  return space < 0 ? '' : value.slice(space).trim();
}

/**
 * API keys in the store: create, list, revoke, and verify on every request. Verified keys are cached
 * for cacheMs; revoke() drops a key from this store's cache at once, while other processes (or other
 * KeyStore instances) notice a revocation within cacheMs, so use one KeyStore per process.
 */
export class KeyStore {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #cacheMs: number;
  readonly #cache = new Map<string, CachedKey>();
  /** bumped by every revoke: a lookup that started before one must not cache what it read */
  #revocations = 0;
  #sqliteLookup: BetterSqlite3.Statement<[string], AuthRow> | undefined;

  constructor(store: Store, opts: KeyStoreOptions = {}) {
    this.#store = store;
    this.#clock = opts.clock ?? systemClock;
    this.#cacheMs = opts.cacheMs ?? 1000;
    if (!Number.isFinite(this.#cacheMs) || this.#cacheMs < 0) {
      throw new StrataError('config_invalid', `The key cache time must be a number of milliseconds >= 0, not ${this.#cacheMs}.`);
    }
  }

  /** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
  async create(input: CreateKeyInput): Promise<{ info: ApiKeyInfo; key: string }> {
    const v = validateKeyInput(input);
    const createdAt = this.#clock.now();
    // 64-bit random ids practically never collide; on the off chance, draw again rather than fail.
    for (let attempt = 0; attempt < 3; attempt++) {
      const generated = generateApiKey();
      const result = await this.#store.db
        .insertInto('api_keys')
        .values({
          id: generated.id,
          tenant: v.tenant,
          role: v.role,
          name: v.name,
          models: v.models && JSON.stringify(v.models),
          routes: v.routes && JSON.stringify(v.routes),
          secret_hash: generated.secretHash,
          created_at: createdAt,
          revoked_at: null,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 1) {
        return { info: { id: generated.id, ...v, createdAt, revokedAt: null }, key: generated.key };
      }
    }
    throw new StrataError('internal', 'Could not draw an unused API key id; try again.');
  }

  /** Keys oldest first, active ones only unless includeRevoked. */
  async list(filter: { tenant?: string; includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
    let q = this.#store.db.selectFrom('api_keys').select(INFO_COLUMNS);
    if (filter.tenant !== undefined) q = q.where('tenant', '=', filter.tenant);
    if (!filter.includeRevoked) q = q.where('revoked_at', 'is', null);
    const rows = await q.orderBy('created_at').orderBy('id').execute();
    return rows.map(toInfo);
  }

  /** One key by id, revoked or not. */
  async get(id: string): Promise<ApiKeyInfo | undefined> {
    if (!KEY_ID_PATTERN.test(id)) return undefined;
    const row = await this.#store.db.selectFrom('api_keys').select(INFO_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row && toInfo(row);
  }

  /** Idempotent; returns the info (revokedAt set) or undefined when no such key; drops it from the verify cache at once. */
  async revoke(id: string): Promise<ApiKeyInfo | undefined> {
    if (!KEY_ID_PATTERN.test(id)) return undefined;
    // Keeps the first revocation time: revoking twice is not a new event.
    await this.#store.db.updateTable('api_keys').set({ revoked_at: this.#clock.now() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    this.#revocations++;
    this.#cache.delete(id);
    return this.get(id);
  }

  /** Number of keys ever created, revoked ones included (so revoking every key never looks like a fresh install). */
  async count(): Promise<number> {
    const row = await this.#store.db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The principal of the raw Authorization header value, or StrataError('unauthorized') saying what is
   * wrong: missing, not Bearer, malformed, unknown (or wrong secret: ids are public, so the two are
   * told apart from nothing the caller does not already know), or revoked.
   */
  async verify(authorization: string | undefined): Promise<Principal> {
    const checked = this.#check(authorization);
    return 'principal' in checked ? checked.principal : this.#verifyStored(checked.id, checked.digest, checked.now);
  }

  /**
   * verify() without waiting, for a key in the verification cache: its principal, or undefined when the store
   * must be asked (call verify() then). Throws exactly as verify() would for a malformed or wrong key.
   */
  verifyCached(authorization: string | undefined): Principal | undefined {
    const checked = this.#check(authorization);
    return 'principal' in checked ? checked.principal : undefined;
  }

  #check(authorization: string | undefined): { principal: Principal } | { id: string; digest: string; now: number } {
    const parsed = parseApiKey(bearerKey(authorization));
    if (!parsed) {
      throw unauthorized(`Malformed API key; expected ${API_KEY_SHAPE} (check for a truncated or extra character).`, 'malformed');
    }
    const digest = hashSecret(parsed.secret);
    const now = this.#clock.now();
    const cached = this.#cache.get(parsed.id);
    if (cached !== undefined && cached.until > now) {
      if (digestsEqual(cached.digest, digest)) return { principal: cached.principal };
      throw this.#unknown();
    }
    return { id: parsed.id, digest, now };
  }

  async #verifyStored(id: string, digest: string, now: number): Promise<Principal> {
    const revocationsBefore = this.#revocations;
    const row = await this.#lookup(id);
    if (row === undefined || !digestsEqual(row.secret_hash.toLowerCase(), digest)) throw this.#unknown();
    if (row.revoked_at !== null) {
      this.#cache.delete(id);
      throw unauthorized(`API key ${row.id} has been revoked; ask an admin for a new key ('strata keys create').`, 'revoked');
    }
    const principal = toPrincipal(row);
    if (this.#cacheMs > 0 && this.#revocations === revocationsBefore) {
      this.#cache.delete(id);
      if (this.#cache.size >= MAX_CACHED_KEYS) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(id, { principal, digest, until: now + this.#cacheMs });
    }
    return principal;
  }

  #unknown(): StrataError {
    return unauthorized("Unknown API key; check that it was copied whole, or create one with 'strata keys create'.", 'unknown_key');
  }

  async #lookup(id: string): Promise<AuthRow | undefined> {
    const raw = this.#store.sqlite;
    if (raw !== undefined) {
      // Synchronous prepared statement: skips the query builder and the async hop on every request.
      this.#sqliteLookup ??= raw.prepare<[string], AuthRow>(`SELECT ${AUTH_COLUMNS.join(', ')} FROM api_keys WHERE id = ?`);
      return this.#sqliteLookup.get(id);
    }
    return this.#store.db.selectFrom('api_keys').select(AUTH_COLUMNS).where('id', '=', id).executeTakeFirst();
  }
}
