import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Whether `taskset` can pin processes to CPUs here (Linux, util-linux, more than one CPU). */
export function canPin(): boolean {
  return cpus().length > 1 && spawnSync('taskset', ['-p', String(process.pid)]).status === 0;
}

/** What `parse` reads from /proc/<pid>/<file> (Linux); NaN when the process or the file cannot be read. */
function fromProc(pid: number | undefined, file: string, parse: (text: string) => number): number {
  if (pid === undefined) return NaN;
  try {
    return parse(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far; NaN when it cannot be read. */
export function cpuSeconds(pid: number | undefined): number {
  return fromProc(pid, 'stat', (text) => {
    const fields = text.split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
  });
}

/** Resident memory of a process in MB; NaN when it cannot be read. */
export function rssMb(pid: number | undefined): number {
  return fromProc(pid, 'status', (text) => {
    const kb = /VmRSS:\s+(\d+) kB/.exec(text)?.[1];
    return kb === undefined ? NaN : Math.round(Number(kb) / 1024);
  });
}

/** Pins a running process (and its future threads) to a CPU list such as "0" or "1". */
export function pin(pid: number, cpuList: string): void {
  spawnSync('taskset', ['-a', '-cp', cpuList, String(pid)]);
}

/**
 * Spawns a node script (pinned to `cpuList` when given) and resolves with the first stdout line that
 * `ready` accepts. Later output is drained into the void so a chatty server never blocks on its pipe.
 */
export function spawnUntil<T>(args: string[], env: NodeJS.ProcessEnv, ready: (line: string) => T | undefined, cpuList?: string): Promise<{ child: ChildProcess; value: T }> {
  return spawnProgramUntil(process.execPath, args, env, ready, cpuList);
}

/** spawnUntil for any program on the PATH (e.g. redis-server). */
export function spawnProgramUntil<T>(program: string, args: string[], env: NodeJS.ProcessEnv, ready: (line: string) => T | undefined, cpuList?: string): Promise<{ child: ChildProcess; value: T }> {
  const command = cpuList ? 'taskset' : program;
  const argv = cpuList ? ['-c', cpuList, program, ...args] : args;
  const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
