import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { crossCheck } from './crossChecks.js';
import { DEFAULT_MODELS, DEFAULT_ROUTES } from './defaults.js';
import { ConfigError, problemsFromZod, type ConfigProblem } from './errors.js';
import { strataConfigSchema, type StrataConfig } from './schema.js';
import { isRecord } from '../core/index.js';

type Raw = Record<string, unknown>;

/** Where an environment variable overrode a field, so problems can say so. */
interface EnvOverride {
  path: string;
  variable: string;
}


/**
 * Fills sections the file leaves out: no `models` → the local models; no `routes` → the `default`
 * route over `local` when a model of that name exists. So a file holding only `server.port` behaves
 * like no file at all on everything else. A section that is present is taken as written.
 */
function withDefaultSections(raw: Raw): Raw {
  const out: Raw = { ...raw };
  // `models:` with nothing under it parses as null: treat an empty section like a missing one.
  for (const key of Object.keys(out)) if (out[key] === null) delete out[key];
  out.models ??= structuredClone(DEFAULT_MODELS) as unknown as Raw;
  if (out.routes === undefined && isRecord(out.models) && isRecord(out.models.local)) {
    out.routes = structuredClone(DEFAULT_ROUTES);
  }
  return out;
}

function applyEnv(raw: Raw, env: NodeJS.ProcessEnv): EnvOverride[] {
  const overrides: EnvOverride[] = [];
  const server: Raw = isRecord(raw.server) ? { ...raw.server } : {};
  let touchedServer = false;
  const port = env.STRATA_PORT;
  if (port !== undefined && port.trim() !== '') {
    // Digits become a number for the schema to range-check; anything else stays text to be rejected.
    server.port = /^\d+$/.test(port.trim()) ? Number(port.trim()) : port;
    overrides.push({ path: 'server.port', variable: 'STRATA_PORT' });
    touchedServer = true;
  }
  const host = env.STRATA_HOST;
  if (host !== undefined && host.trim() !== '') {
    server.host = host.trim();
    overrides.push({ path: 'server.host', variable: 'STRATA_HOST' });
    touchedServer = true;
  }
  if (touchedServer && (raw.server === undefined || isRecord(raw.server))) raw.server = server;
  // The file's hashKey wins; STRATA_HASH_KEY fills in when the file has none.
  const hashKey = env.STRATA_HASH_KEY;
  if (raw.hashKey === undefined && hashKey !== undefined && hashKey !== '') {
    raw.hashKey = hashKey;
    overrides.push({ path: 'hashKey', variable: 'STRATA_HASH_KEY' });
  }
  return overrides;
}

function validate(input: unknown, source: string, env: NodeJS.ProcessEnv): StrataConfig {
  if (!isRecord(input)) {
    const got = Array.isArray(input) ? 'a list' : typeof input === 'string' ? 'text' : String(input);
    throw new ConfigError(source, [{ path: '', message: `expected a mapping of settings at the top level, got ${got}` }]);
  }
  const raw = withDefaultSections(input);
  const overrides = applyEnv(raw, env);
  const parsed = strataConfigSchema.safeParse(raw);
  let problems: ConfigProblem[] = parsed.success ? [] : problemsFromZod(parsed.error, raw);
  problems = problems.concat(crossCheck(raw));
  if (problems.length > 0) {
    for (const p of problems) {
      const o = overrides.find((x) => x.path === p.path);
      if (o) p.message += ` (from ${o.variable})`;
    }
    throw new ConfigError(source, problems);
  }
  return parsed.data!;
}

function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { path: `line ${line}, column ${col}`, message: `YAML syntax error: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  return value ?? {};
}

/** YAML text → validated config, with env overrides from `env` (none by default). */
export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = {}): StrataConfig {
  return validate(parseYaml(text, source), source, env);
}

export interface LoadConfigOptions {
  /** --config; else env STRATA_CONFIG; else the built-in defaults */
  path?: string;
  env?: NodeJS.ProcessEnv;
}

/** The effective config: file (or defaults) + STRATA_PORT / STRATA_HOST / STRATA_HASH_KEY. */
export function loadConfig(opts: LoadConfigOptions = {}): StrataConfig {
  const env = opts.env ?? process.env;
  const path = opts.path ?? (env.STRATA_CONFIG || undefined);
  if (path === undefined) return validate({}, 'built-in defaults', env);
  const full = resolve(path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `config file not found: ${path}`
        : code === 'EISDIR'
          ? `config path is a directory, not a file: ${path}`
          : `cannot read config file ${path} (${code ?? 'unknown error'})`;
    throw new ConfigError(path, [{ path: '', message }], message);
  }
  return parseConfig(text, path, env);
}
