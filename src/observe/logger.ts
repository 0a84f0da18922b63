import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  /** where lines go; default: stdout, asynchronously (off the hot path) */
  destination?: DestinationStream;
}

/**
 * The one JSON logger. Callers pass ids, counts and hashes: content (prompts, completions, documents)
 * must never be given to it; the invocation log line is built from an InvocationRecord, which holds none.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.STRATA_LOG_LEVEL ?? 'info';
  let dest = opts.destination;
  if (!dest) {
    // Lines are batched into writes of up to 60 KB (invocation lines arrive in batches of their own, see
    // invocation-log.ts) and a timer flushes what is left four times a second, so a quiet server's lines are
    // never held back for long.
    const boom = pino.destination({ dest: 1, sync: false, minLength: 61_440, maxWrite: 65_536 });
    setInterval(() => {
      try {
        boom.flush();
      } catch {
        // destroyed at shutdown: nothing left to flush
      }
    }, 250).unref();
    dest = boom;
  }
  return pino(
    {
      level,
      base: { service: 'strata' },
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  );
}

/** A logger that drops everything (library use with no logging wanted, tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
