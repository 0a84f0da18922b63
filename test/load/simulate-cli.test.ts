import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { StrataError } from '../../src/core/index.js';
import { registerSimulateCommand, simulateOptionsFromFlags } from '../../src/load/simulator/index.js';

const base = { protocol: 'bedrock', port: '0', host: '127.0.0.1' };

describe('strata simulate flags', () => {
  it('turns flags into simulator settings', () => {
    const o = simulateOptionsFromFlags({ ...base, latencyMs: '200', jitterMs: '50', latencyDist: 'longtail', rpm: '60', tpm: '1000', fail: 'ThrottlingException=0.5', onlyModels: 'a, b', answer: 'hello' });
    expect(o).toEqual({
      protocol: 'bedrock',
      host: '127.0.0.1',
      port: 0,
      settings: { latencyMs: 200, jitterMs: 50, latencyDistribution: 'longtail', rpm: 60, tpm: 1000, fail: { ThrottlingException: 0.5 }, onlyModels: ['a', 'b'], answer: { mode: 'canned', text: 'hello' } },
    });
    expect(simulateOptionsFromFlags({ ...base, answer: 'echo' }).settings.answer).toEqual({ mode: 'echo' });
  });

  it.each([
    [{ protocol: 'grpc' }, /--protocol must be bedrock or openai/],
    [{ port: 'abc' }, /--port must be an integer/],
    [{ port: '70000' }, /--port must be at most 65535/],
    [{ latencyMs: '-5' }, /--latency-ms must be a number of at least 0/],
    [{ latencyDist: 'pareto' }, /--latency-dist must be fixed, normal or longtail/],
    [{ rpm: '1.5' }, /--rpm must be an integer/],
    [{ fail: 'ThrottlingException=2' }, /between 0 and 1/],
    [{ onlyModels: ' , ' }, /--only-models needs at least one model id/],
  ])('rejects %o with a one-line reason', (flags, message) => {
    const run = () => simulateOptionsFromFlags({ ...base, ...flags });
    expect(run).toThrow(StrataError);
    expect(run).toThrow(message);
  });

  it('registers a simulate command with --help text', () => {
    const program = new Command('strata');
    registerSimulateCommand(program);
    const cmd = program.commands.find((c) => c.name() === 'simulate');
    expect(cmd?.helpInformation()).toMatch(/--protocol <protocol>[\s\S]*--fail <spec>/);
  });
});

describe('strata simulate process', () => {
  it('prints its URL as JSON, serves, and exits cleanly on SIGTERM', async () => {
    const script = `import { Command } from 'commander';
import { registerSimulateCommand } from './src/load/simulator/index.ts';
const p = new Command('strata'); registerSimulateCommand(p); await p.parseAsync(process.argv.slice(1), { from: 'user' });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'simulate', '--protocol', 'openai', '--port', '0', '--json', '--answer', 'pong'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const info = JSON.parse(line) as { url: string; protocol: string };
    expect(info.protocol).toBe('openai');
    const r = await fetch(`${info.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'ping' }] }) });
    expect(((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe('pong');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
