import { randomKeyHex, StrataError } from '../core/index.js';
import type { Store } from './database.js';

/** The value stored under key, or undefined. */
export async function getSetting(store: Store, key: string): Promise<string | undefined> {
  const row = await store.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

/**
 * Stores value under key unless a value is already there; returns the value that won. Safe when several
 * processes race: the insert is a no-op for all but the first, and everyone reads the same row back.
 */
export async function setSettingIfAbsent(store: Store, key: string, value: string): Promise<string> {
  await store.db
    .insertInto('settings')
    .values({ key, value, updated_at: Date.now() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const won = await getSetting(store, key);
  if (won === undefined) throw new StrataError('internal', `Setting '${key}' vanished right after it was written.`);
  return won;
}

const HASH_KEY_SETTING = 'hash_key';

/**
 * The HMAC key for content hashes: the configured key when there is one, else the one stored in the
 * database, else a fresh random key stored there, so every replica on one database hashes alike.
 */
export async function getOrCreateHashKey(store: Store, configuredKey?: string): Promise<string> {
  if (configuredKey !== undefined && configuredKey !== '') {
    if (configuredKey.length < 16) {
      throw new StrataError('config_invalid', 'The hash key (hashKey / STRATA_HASH_KEY) must be at least 16 characters.');
    }
    return configuredKey;
  }
  const existing = await getSetting(store, HASH_KEY_SETTING);
  if (existing !== undefined) return existing;
  return setSettingIfAbsent(store, HASH_KEY_SETTING, randomKeyHex());
}
