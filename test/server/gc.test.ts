import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tuneGc } from '../../src/server/index.js';
import { spawnServe } from '../helpers/spawn-strata.js';

// server.parallelGc: V8's young-generation helpers off when the server may run on one CPU only.
let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'strata-gc-'));
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

const startedLine = (output: string): { gc: { parallelScavenge: boolean; cpus: number } } =>
  JSON.parse(output.split('\n').find((l) => l.includes('"msg":"server started"'))!) as { gc: { parallelScavenge: boolean; cpus: number } };

describe('tuneGc', () => {
  it('turns the parallel scavenger off on one CPU or when told, and leaves it alone otherwise', () => {
    try {
      expect(tuneGc('auto', 1)).toEqual({ parallelScavenge: false, cpus: 1 });
      expect(tuneGc('auto', 2)).toEqual({ parallelScavenge: true, cpus: 2 });
      expect(tuneGc('off', 8)).toEqual({ parallelScavenge: false, cpus: 8 });
      expect(tuneGc('on', 1)).toEqual({ parallelScavenge: true, cpus: 1 });
      expect(tuneGc('auto').cpus).toBe(availableParallelism());
    } finally {
      tuneGc('on'); // V8's default, for the rest of this worker
    }
  });
});

describe('strata serve and server.parallelGc', () => {
  const canPin = availableParallelism() > 1 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

  it.skipIf(!canPin)('pinned to one CPU, collects without helpers and keeps serving through many minor collections', async () => {
    const dir = join(home, 'pinned');
    const server = await spawnServe([], { STRATA_HOME: dir, STRATA_DATABASE_URL: '', STRATA_CONFIG: '', STRATA_LOG_LEVEL: 'info' }, ['taskset', '-c', '0']);
    try {
      await server.waitFor('"msg":"server started"');
      expect(startedLine(server.output()).gc).toEqual({ parallelScavenge: false, cpus: 1 });
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: server.adminKey!, maxRetries: 0 });
      // ~200 KB of prompt text a request: young-generation collections run with the flag switched at run time
      const filler = 'x'.repeat(200_000);
      for (let i = 0; i < 40; i++) {
        const r = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: `Context:\n[1] Round ${i} is fine. ${filler}\n\nWhich round?` }] });
        expect(r.choices[0]!.message.content).toContain(`Round ${i}`);
      }
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('keeps the helpers when configured on, and refuses an unknown setting at start-up', async () => {
    const on = join(home, 'on.yaml');
    writeFileSync(on, 'server: { parallelGc: on }\n');
    const server = await spawnServe([], { STRATA_HOME: join(home, 'on'), STRATA_DATABASE_URL: '', STRATA_CONFIG: on, STRATA_LOG_LEVEL: 'info' }, canPin ? ['taskset', '-c', '0'] : []);
    try {
      await server.waitFor('"msg":"server started"');
      expect(startedLine(server.output()).gc.parallelScavenge).toBe(true);
    } finally {
      await server.stop();
    }
    const bad = join(home, 'bad.yaml');
    writeFileSync(bad, 'server: { parallelGc: sometimes }\n');
    await expect(spawnServe([], { STRATA_HOME: join(home, 'bad'), STRATA_DATABASE_URL: '', STRATA_CONFIG: bad })).rejects.toThrow(/parallelGc/);
  });
});
