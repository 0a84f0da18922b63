import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Spawns a node script and resolves with the first stdout line matching `ready` (parsed by `parse`). */
export function spawnUntil<T>(args: string[], env: NodeJS.ProcessEnv, ready: (line: string) => T | undefined): Promise<{ child: ChildProcess; value: T }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let buf = '';
    let found = false;
    child.stdout.on('data', (d: Buffer) => {
      if (found) return; // keep draining, stop parsing
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        const v = ready(line);
        if (v !== undefined) {
          found = true;
          resolve({ child, value: v });
          return;
        }
      }
    });
    child.once('exit', (code) => {
      if (!found) reject(new Error(`${args.join(' ')} exited with ${code}: ${err}`));
    });
  });
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}
