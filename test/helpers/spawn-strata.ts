import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

// A test that times out never reaches its finally: servers it started must not outlive the test worker.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Runs the real `strata` CLI from source (tsx) and collects its output. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(opts.input ?? '');
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

export interface ServeProcess {
  url: string;
  /** the admin key a first start on an empty store prints (auth on) */
  adminKey: string | undefined;
  /** `authorization` header with adminKey */
  auth: Record<string, string>;
  child: ChildProcess;
  output(): string;
  /** resolves when the server's output (stdout or stderr) contains `text` */
  waitFor(text: string): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `strata serve --port 0 --json` and resolves with its URL once it is listening. `launcher`: a command
 * that execs node in its place, e.g. ['taskset', '-c', '0'].
 */
export async function spawnServe(args: string[], env: NodeJS.ProcessEnv, launcher: string[] = []): Promise<ServeProcess> {
  const argv = [process.execPath, '--import', 'tsx', MAIN, 'serve', '--port', '0', '--json', ...args];
  const [command, ...rest] = [...launcher, ...argv] as [string, ...string[]];
  const child = spawn(command, rest, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (out.includes(waiters[i]!.text)) waiters.splice(i, 1)[0]!.resolve();
    }
  };
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  const started = await new Promise<{ url: string; adminKey?: string }>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      check();
      buf += d.toString();
      for (const line of buf.split('\n')) {
        if (line.startsWith('{"url"')) {
          resolve(JSON.parse(line) as { url: string; adminKey?: string });
          return;
        }
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`strata serve exited with ${code}: ${out}`)));
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return {
    url: started.url,
    adminKey: started.adminKey,
    auth: started.adminKey ? { authorization: `Bearer ${started.adminKey}` } : {},
    child,
    output: () => out,
    waitFor: (text: string) =>
      new Promise<void>((resolve) => {
        waiters.push({ text, resolve });
        check();
      }),
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      child.kill(signal);
      const [code] = await exited;
      return code;
    },
  };
}
