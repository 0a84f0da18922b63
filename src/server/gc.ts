import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/** server.parallelGc: whether V8 collects the young generation with helper threads. */
export type ParallelGcSetting = 'auto' | 'on' | 'off';

/** What `tuneGc` chose, for the start-up log. */
export interface GcChoice {
  parallelScavenge: boolean;
  /** the CPUs this process may run on (its affinity), as Node reports them */
  cpus: number;
}

/**
 * Whether the young generation is collected by helper threads as well as the main thread. V8 starts four
 * helpers whatever the process may use; confined to one CPU (taskset, cpuset) they only take turns with the
 * main thread on it. Measured on the gateway's cache-miss path with Redis, one CPU: the helpers spent ~7–10 µs of
 * CPU a request, and without them the server used 1–3% less CPU a request in total (paired, 10 rounds each:
 * 0.990 and 0.992 switched here, 0.971 with the flag given to node at start-up).
 *
 * Only the scavenger is switched: V8 reads its flag at every minor collection, so it may change in a running
 * process. The concurrent-marking flags may not (V8 aborts when they change after the heap exists), and a
 * full collection is rare on the request path anyway. With 'auto' on more than one CPU nothing is changed,
 * so a `--no-parallel-scavenge` given to node itself still holds.
 */
export function tuneGc(setting: ParallelGcSetting, cpus: number = availableParallelism()): GcChoice {
  if (setting === 'on') {
    setFlagsFromString('--parallel-scavenge');
    return { parallelScavenge: true, cpus };
  }
  if (setting === 'off' || cpus <= 1) {
    setFlagsFromString('--no-parallel-scavenge');
    return { parallelScavenge: false, cpus };
  }
  return { parallelScavenge: true, cpus };
}
