import { afterAll, describe, expect, it } from 'vitest';
import { getOrCreateHashKey, getSetting, setSettingIfAbsent } from '../../src/store/index.js';
import { testEngines } from './engines.js';

const engines = testEngines('settings');
afterAll(async () => {
  for (const e of engines) await e.cleanup();
});

describe.each(engines)('settings on $name', (engine) => {
  it('keeps the first value written under a key', async () => {
    const store = await engine.database().open();
    expect(await getSetting(store, 'colour')).toBeUndefined();
    expect(await setSettingIfAbsent(store, 'colour', 'blue')).toBe('blue');
    expect(await setSettingIfAbsent(store, 'colour', 'red')).toBe('blue');
    expect(await getSetting(store, 'colour')).toBe('blue');
    await store.close();
  });

  it('gives racing writers on two connections the same winner', async () => {
    const database = engine.database();
    const [a, b] = await Promise.all([database.open(), database.open()]);
    for (let i = 0; i < 5; i++) {
      const [wa, wb] = await Promise.all([setSettingIfAbsent(a, `race_${i}`, 'from-a'), setSettingIfAbsent(b, `race_${i}`, 'from-b')]);
      expect(wa).toBe(wb);
      expect(['from-a', 'from-b']).toContain(wa);
      expect(await getSetting(a, `race_${i}`)).toBe(wa);
    }
    await Promise.all([a.close(), b.close()]);
  });

  it('generates a hash key once, persists it and shares it between replicas', async () => {
    const database = engine.database();
    const [a, b] = await Promise.all([database.open(), database.open()]);
    const [ka, kb] = await Promise.all([getOrCreateHashKey(a), getOrCreateHashKey(b)]);
    expect(ka).toMatch(/^[0-9a-f]{64}$/);
    expect(kb).toBe(ka);
    await Promise.all([a.close(), b.close()]);

    const reopened = await database.open();
    expect(await getOrCreateHashKey(reopened)).toBe(ka);
    await reopened.close();
  });

  it('uses a configured hash key as given and never stores it', async () => {
    const store = await engine.database().open();
    const configured = 'configured-key-0123456789';
    expect(await getOrCreateHashKey(store, configured)).toBe(configured);
    expect(await getSetting(store, 'hash_key')).toBeUndefined();
    await expect(getOrCreateHashKey(store, 'short')).rejects.toMatchObject({ code: 'config_invalid' });
    await store.close();
  });
});
