import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig, parseConfig } from '../../src/config/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'strata-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const BEDROCK_EXAMPLE = `
models:
  sonnet: { provider: bedrock, id: us.anthropic.claude-3-5-sonnet-20241022-v2:0, region: us-east-1, equivalents: [sonnet-eu] }
  sonnet-eu: { provider: bedrock, id: eu.anthropic.claude-3-5-sonnet-20241022-v2:0, region: eu-west-1 }
  haiku: { provider: bedrock, id: anthropic.claude-3-haiku-20240307-v1:0, region: us-east-1 }
  local: { provider: local, id: extractive }
routes:
  support:
    models: [sonnet, haiku]
    retry: { maxAttempts: 3, baseMs: 100, capMs: 2000 }
    attemptTimeoutMs: 10000
    deadlineMs: 30000
`;

describe('parseConfig', () => {
  it('accepts the Bedrock example and fills every default', () => {
    const cfg = parseConfig(BEDROCK_EXAMPLE, 'strata.yaml');
    expect(cfg.models.sonnet).toEqual({
      provider: 'bedrock',
      id: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
      type: 'chat',
      region: 'us-east-1',
      equivalents: ['sonnet-eu'],
    });
    expect(cfg.models['sonnet-eu']?.region).toBe('eu-west-1');
    expect(cfg.models.local).toMatchObject({ provider: 'local', id: 'extractive', type: 'chat', equivalents: [] });
    expect(cfg.routes).toEqual({
      support: {
        models: ['sonnet', 'haiku'],
        retry: { maxAttempts: 3, baseMs: 100, capMs: 2000 },
        attemptTimeoutMs: 10000,
        deadlineMs: 30000,
      },
    });
    expect(cfg.server).toEqual(DEFAULT_CONFIG.server);
    expect(cfg.breaker).toEqual({ failureRatio: 0.5, minRequests: 5, windowMs: 30000, openMs: 15000, halfOpenMaxProbes: 1 });
  });

  it('infers embedding models from their id unless the type is given', () => {
    const cfg = parseConfig(
      `models:
  titan: { provider: bedrock, id: amazon.titan-embed-text-v2:0, region: us-east-1, dimensions: 512 }
  cohere: { provider: bedrock, id: cohere.rerank-v3-5:0, type: embedding }
  gpt: { provider: openai, id: gpt-4o-mini, endpoint: "http://127.0.0.1:9000/v1", apiKeyEnv: OPENAI_API_KEY }
`,
      't.yaml',
    );
    expect(cfg.models.titan?.type).toBe('embedding');
    expect(cfg.models.cohere?.type).toBe('embedding');
    expect(cfg.models.gpt).toMatchObject({ type: 'chat', endpoint: 'http://127.0.0.1:9000/v1', apiKeyEnv: 'OPENAI_API_KEY' });
    // models given without `local`: no default route to invent
    expect(cfg.routes).toEqual({});
  });

  it('treats a file holding only server settings like the defaults for everything else', () => {
    const cfg = parseConfig('server:\n  port: 9000\n', 'small.yaml');
    expect(cfg.server.port).toBe(9000);
    expect(cfg.server.host).toBe('127.0.0.1');
    expect(cfg.models).toEqual(DEFAULT_CONFIG.models);
    expect(cfg.routes).toEqual(DEFAULT_CONFIG.routes);
  });

  it('treats an empty file as the defaults', () => {
    expect(parseConfig('', 'empty.yaml')).toEqual(DEFAULT_CONFIG);
    expect(parseConfig('# nothing yet\nmodels:\n', 'empty.yaml')).toEqual(DEFAULT_CONFIG);
  });

  it('reports a wrong provider with the expected values and what was written', () => {
    const err = configError(() => parseConfig('models:\n  sonnet: { provider: bedrok, id: x }\n', 'strata.yaml'));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toBe("Invalid config strata.yaml:\n  - models.sonnet.provider: expected one of bedrock|openai|local, got 'bedrok'");
  });

  it('reports every problem at once, one line each with its path', () => {
    const err = configError(() =>
      parseConfig(
        `server:
  port: 70000
  prot: 1
models:
  sonnet: { provider: bedrock, id: "" }
  haiku: { provider: bedrock, id: h, region: us-east-1 }
  local: { provider: local, id: extractive }
routes:
  support:
    models: [sonnet, haku]
    retry: { maxAttempts: 0 }
    attemptTimeoutMs: -5
`,
        'multi.yaml',
      ),
    );
    expect(err.problems).toEqual([
      { path: 'server.port', message: 'must be ≤ 65535, got 70000' },
      { path: 'server.prot', message: "unknown field (did you mean 'port'?)" },
      { path: 'models.sonnet.id', message: 'must not be empty' },
      { path: 'routes.support.retry.maxAttempts', message: 'must be ≥ 1, got 0' },
      { path: 'routes.support.attemptTimeoutMs', message: 'must be > 0, got -5' },
      { path: 'routes.support.models[1]', message: "unknown model 'haku'; known: sonnet, haiku, local" },
    ]);
    expect(err.message.split('\n')).toHaveLength(1 + err.problems.length);
    expect(err.message).toContain('  - routes.support.models[1]: unknown model');
  });

  it('rejects unknown fields at every level', () => {
    const err = configError(() =>
      parseConfig(
        `colour: blue
models:
  local: { provider: local, id: extractive, regoin: us-east-1 }
routes:
  default: { models: [local], retries: 3, retry: { maxAtempts: 2 } }
breaker: { failureRate: 0.5 }
`,
        'typos.yaml',
      ),
    );
    expect(err.problems.map((p) => p.path).sort()).toEqual([
      'breaker.failureRate',
      'colour',
      'models.local.regoin',
      'routes.default.retries',
      'routes.default.retry.maxAtempts',
    ]);
    expect(err.problems.every((p) => p.message.startsWith('unknown field'))).toBe(true);
    const byPath = new Map(err.problems.map((p) => [p.path, p.message]));
    expect(byPath.get('models.local.regoin')).toBe("unknown field (did you mean 'region'?)");
    expect(byPath.get('routes.default.retry.maxAtempts')).toBe("unknown field (did you mean 'maxAttempts'?)");
    expect(byPath.get('colour')).toBe('unknown field (known: server, hashKey, models, routes, breaker, auth, limits, cache, budgets, rag, guardrails, feedback)');
  });

  it('checks references between models and routes', () => {
    const err = configError(() =>
      parseConfig(
        `models:
  sonnet: { provider: bedrock, id: s, equivalents: [sonnet, ghost, titan] }
  titan: { provider: bedrock, id: amazon.titan-embed-text-v2:0 }
  gpt: { provider: openai, id: gpt-4o, region: us-east-1 }
  local: { provider: local, id: generative, dimensions: 3 }
routes:
  chat:
    models: [sonnet, titan, sonnet]
    retry: { baseMs: 5000 }
`,
        'refs.yaml',
      ),
    );
    expect(err.problems).toEqual([
      { path: 'models.sonnet.equivalents[0]', message: 'a model cannot be its own equivalent' },
      { path: 'models.sonnet.equivalents[1]', message: "unknown model 'ghost'; known: sonnet, titan, gpt, local" },
      { path: 'models.sonnet.equivalents[2]', message: "'titan' is an embedding model but 'sonnet' is a chat model" },
      { path: 'models.gpt.endpoint', message: "required for provider openai (the server's base URL, e.g. https://api.openai.com/v1)" },
      { path: 'models.gpt.region', message: 'applies only to provider bedrock' },
      { path: 'models.local.id', message: "expected one of extractive|hash-embed for provider local, got 'generative'" },
      { path: 'models.local.dimensions', message: 'applies only to embedding models' },
      { path: 'routes.chat.models[1]', message: "'titan' is an embedding model and cannot answer chat requests" },
      { path: 'routes.chat.models[2]', message: "'sonnet' is listed twice (also at models[0])" },
      { path: 'routes.chat.retry.capMs', message: 'must be ≥ baseMs (5000), got 2000 (the default)' },
    ]);
  });

  it('rejects bad names, URLs, types and secrets without echoing the secret', () => {
    const err = configError(() =>
      parseConfig(
        `hashKey: tooshort-secret
models:
  "bad alias": { provider: local, id: extractive }
  gpt: { provider: openai, id: gpt-4o, endpoint: "ftp://example.com", apiKeyEnv: "sk-live-123" }
  local: { provider: local, id: extractive }
routes:
  default: { models: local, attemptTimeoutMs: 1.5 }
`,
        'bad.yaml',
      ),
    );
    expect(err.problems).toEqual([
      { path: 'hashKey', message: 'must be at least 16 characters' },
      { path: 'models["bad alias"]', message: "invalid name 'bad alias'; use letters, digits, '.', '_' or '-', starting with a letter or digit" },
      { path: 'models.gpt.endpoint', message: "expected an http(s) URL, got 'ftp://example.com'" },
      { path: 'models.gpt.apiKeyEnv', message: "expected the name of an environment variable, e.g. OPENAI_API_KEY, got 'sk-live-123'" },
      { path: 'routes.default.models', message: "expected a list, got 'local'" },
      { path: 'routes.default.attemptTimeoutMs', message: 'expected an integer, got 1.5' },
    ]);
    expect(err.message).not.toContain('tooshort-secret');
  });

  it('validates limits, caches and budgets with one line per problem', () => {
    const err = configError(() =>
      parseConfig(
        `models:
  local: { provider: local, id: extractive, limits: { rpm: -5, concurency: 3 } }
  emb: { provider: local, id: hash-embed }
routes:
  default: { models: [local], cache: { ttlSeconds: 60, semantic: { embeddingModel: local } } }
limits:
  tenants: { 'Bad Tenant': { rpm: 0 } }
cache: { redisWriteDelayMs: -5 }
budgets:
  daily: { tenant: acme, window: day, limitUsd: -1, action: downgrade, downgradeTo: sonnet }
  weekly: { window: week, limitUsd: 5, action: block }
`,
        'limits.yaml',
      ),
    );
    const byPath = new Map(err.problems.map((p) => [p.path, p.message]));
    expect(byPath.get('models.local.limits.rpm')).toBe('must be > 0, got -5');
    expect(byPath.get('models.local.limits.concurency')).toBe("unknown field (did you mean 'concurrency'?)");
    expect(byPath.get('limits.tenants["Bad Tenant"].rpm')).toBe('must be > 0, got 0');
    expect(byPath.get('limits.tenants["Bad Tenant"]')).toMatch(/expected a tenant name/);
    expect(byPath.get('cache.redisWriteDelayMs')).toBe('must be ≥ 0, got -5');
    expect(byPath.get('budgets.daily.limitUsd')).toBe('must be > 0, got -1');
    expect(byPath.get('budgets.daily.downgradeTo')).toBe("unknown model 'sonnet'; known: local, emb");
    expect(byPath.get('budgets.weekly.window')).toBe("expected one of day|month, got 'week'");
    expect(byPath.get('routes.default.cache.semantic.embeddingModel')).toMatch(/'local' is a chat model/);
  });

  it('fills limit, cache and budget defaults', () => {
    const cfg = parseConfig(
      `models:
  local: { provider: local, id: extractive, limits: { concurrency: 4 } }
routes:
  default: { models: [local], cache: { ttlSeconds: 60 } }
budgets:
  chat: { tenant: '*', tags: { feature: chat }, window: month, limitUsd: 100, action: block }
`,
      'ok.yaml',
    );
    expect(cfg.models.local?.limits).toEqual({ concurrency: 4, adaptive: true });
    expect(cfg.routes.default?.cache).toEqual({ ttlSeconds: 60, mode: 'deterministic' });
    expect(cfg.limits.queue).toEqual({ maxWaitMs: 5000, maxQueue: 1000 });
    expect(cfg.cache).toEqual({ maxBytes: 64 * 1024 * 1024, redisWriteDelayMs: 10 });
    expect(cfg.auth).toEqual({ enabled: true, keyCacheMs: 1000 });
    expect(cfg.budgets.chat).toMatchObject({ alerts: [0.5, 0.8, 1], tags: { feature: 'chat' } });
  });

  it('points at the line and column of a YAML syntax error', () => {
    const err = configError(() => parseConfig('server:\n  port: 8787\n host: 0.0.0.0\n', 'broken.yaml'));
    expect(err.problems).toEqual([{ path: 'line 3, column 1', message: 'YAML syntax error: All mapping items must start at the same column' }]);
    expect(err.message).toBe('Invalid config broken.yaml:\n  - line 3, column 1: YAML syntax error: All mapping items must start at the same column');
    const unterminated = configError(() => parseConfig('server:\n  host: "127.0.0.1\n', 'quote.yaml'));
    expect(unterminated.message).toMatch(/^Invalid config quote\.yaml:\n {2}- line \d+, column \d+: YAML syntax error: Missing closing "quote$/);
  });

  it('rejects duplicate keys and a top level that is not a mapping', () => {
    expect(configError(() => parseConfig('server: {}\nserver: {}\n', 'dup.yaml')).message).toMatch(/line 2, column 1: YAML syntax error: Map keys must be unique/);
    expect(configError(() => parseConfig('- a\n- b\n', 'list.yaml')).problems).toEqual([
      { path: '', message: 'expected a mapping of settings at the top level, got a list' },
    ]);
  });
});

describe('loadConfig', () => {
  it('uses the built-in defaults when no file is named', () => {
    const cfg = loadConfig({ env: {} });
    expect(cfg).toEqual(DEFAULT_CONFIG);
    expect(cfg.models).toEqual({
      local: { provider: 'local', id: 'extractive', type: 'chat', equivalents: [] },
      'hash-embed': { provider: 'local', id: 'hash-embed', type: 'embedding', equivalents: [] },
    });
    expect(cfg.routes.default?.models).toEqual(['local']);
    expect(cfg.server).toEqual({
      host: '127.0.0.1',
      port: 8787,
      bodyLimitBytes: 1048576,
      requestDeadlineMs: 60000,
      shutdownGraceMs: 10000,
      metricsAuth: false,
      parallelGc: 'auto',
    });
    // a caller changing its copy does not change the defaults
    cfg.server.port = 1;
    expect(DEFAULT_CONFIG.server.port).toBe(8787);
  });

  it('reads the file named by path, else by STRATA_CONFIG', () => {
    const a = writeConfig('a.yaml', 'server: { port: 1111 }\n');
    const b = writeConfig('b.yaml', 'server: { port: 2222 }\n');
    expect(loadConfig({ path: a, env: { STRATA_CONFIG: b } }).server.port).toBe(1111);
    expect(loadConfig({ env: { STRATA_CONFIG: b } }).server.port).toBe(2222);
    expect(loadConfig({ path: writeConfig('bedrock.yaml', BEDROCK_EXAMPLE), env: {} }).routes.support?.deadlineMs).toBe(30000);
  });

  it('says plainly when the file does not exist', () => {
    const missing = join(tmp, 'nope.yaml');
    const err = configError(() => loadConfig({ path: missing, env: {} }));
    expect(err.message).toBe(`config file not found: ${missing}`);
    expect(err.code).toBe('config_invalid');
  });

  it('lets STRATA_PORT and STRATA_HOST override the file, validated like the file', () => {
    const p = writeConfig('env.yaml', 'server: { port: 1111, host: 0.0.0.0 }\n');
    const cfg = loadConfig({ path: p, env: { STRATA_PORT: '3000', STRATA_HOST: '::1' } });
    expect(cfg.server).toMatchObject({ port: 3000, host: '::1' });
    expect(loadConfig({ env: { STRATA_PORT: '0' } }).server.port).toBe(0);

    const bad = configError(() => loadConfig({ path: p, env: { STRATA_PORT: 'eighty' } }));
    expect(bad.problems).toEqual([{ path: 'server.port', message: "expected a number, got 'eighty' (from STRATA_PORT)" }]);
    const big = configError(() => loadConfig({ env: { STRATA_PORT: '65536' } }));
    expect(big.problems).toEqual([{ path: 'server.port', message: 'must be ≤ 65535, got 65536 (from STRATA_PORT)' }]);
  });

  it('takes STRATA_HASH_KEY only when the file sets no hashKey', () => {
    const fileKey = 'file-key-0123456789abcdef';
    const envKey = 'env-key-0123456789abcdef';
    expect(loadConfig({ env: { STRATA_HASH_KEY: envKey } }).hashKey).toBe(envKey);
    expect(loadConfig({ env: {} }).hashKey).toBeUndefined();
    const p = writeConfig('key.yaml', `hashKey: ${fileKey}\n`);
    expect(loadConfig({ path: p, env: { STRATA_HASH_KEY: envKey } }).hashKey).toBe(fileKey);
    const short = configError(() => loadConfig({ env: { STRATA_HASH_KEY: 'short' } }));
    expect(short.problems).toEqual([{ path: 'hashKey', message: 'must be at least 16 characters (from STRATA_HASH_KEY)' }]);
  });
});
