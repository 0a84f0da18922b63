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
  const dest = opts.destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096 });
  return pino(
    {
      level,
      base: { service: 'strata' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  );
}

/** A logger that drops everything (library use with no logging wanted, tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
