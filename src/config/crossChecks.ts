import { LOCAL_MODEL_IDS, MODEL_TYPES, inferModelType, type ModelType } from './schema.js';
import { describeValue, formatPath, type ConfigProblem } from './errors.js';
import { TENANT_PATTERN, isRecord } from '../core/index.js';

/**
 * Rules that span fields: names that must exist, chains without repeats or embedding models,
 * provider-specific fields. They run over the raw input, defensively, so a file with both shape
 * errors and cross-reference errors reports all of them at once.
 */

type Raw = Record<string, unknown>;


const DEFAULT_RETRY = { baseMs: 100, capMs: 2000 };

function rawModelType(m: Raw): ModelType | undefined {
  if (typeof m.type === 'string' && (MODEL_TYPES as readonly string[]).includes(m.type)) return m.type as ModelType;
  return typeof m.id === 'string' ? inferModelType(m.id) : undefined;
}

function withArticle(type: ModelType): string {
  return type === 'embedding' ? 'an embedding' : 'a chat';
}

function knownList(names: string[]): string {
  return names.length ? names.join(', ') : '(none)';
}

function checkModel(alias: string, m: Raw, models: Raw, problems: ConfigProblem[]): void {
  const at = (...rest: (string | number)[]): string => formatPath(['models', alias, ...rest]);
  const provider = m.provider;
  const type = rawModelType(m);
  if (provider === 'openai' && m.endpoint === undefined) {
    problems.push({ path: at('endpoint'), message: "required for provider openai (the server's base URL, e.g. https://api.openai.com/v1)" });
  }
  if (m.region !== undefined && provider !== undefined && provider !== 'bedrock') {
    problems.push({ path: at('region'), message: 'applies only to provider bedrock' });
  }
  if (m.apiKeyEnv !== undefined && provider !== undefined && provider !== 'openai') {
    problems.push({ path: at('apiKeyEnv'), message: 'applies only to provider openai' });
  }
  if (provider === 'local' && typeof m.id === 'string' && m.id !== '') {
    if (!(LOCAL_MODEL_IDS as readonly string[]).includes(m.id)) {
      problems.push({ path: at('id'), message: `expected one of ${LOCAL_MODEL_IDS.join('|')} for provider local, got ${describeValue(m.id)}` });
    } else if (m.type !== undefined && m.type !== inferModelType(m.id)) {
      problems.push({ path: at('type'), message: `local model '${m.id}' is ${withArticle(inferModelType(m.id))} model, not ${describeValue(m.type)}` });
    }
  }
  if (m.dimensions !== undefined && type === 'chat') {
    problems.push({ path: at('dimensions'), message: 'applies only to embedding models' });
  }
  if (Array.isArray(m.equivalents)) {
    m.equivalents.forEach((eq: unknown, i) => {
      if (typeof eq !== 'string') return;
      const target = models[eq];
      if (eq === alias) {
        problems.push({ path: at('equivalents', i), message: 'a model cannot be its own equivalent' });
      } else if (!isRecord(target)) {
        problems.push({ path: at('equivalents', i), message: `unknown model '${eq}'; known: ${knownList(Object.keys(models))}` });
      } else if (type !== undefined && rawModelType(target) !== undefined && rawModelType(target) !== type) {
        problems.push({ path: at('equivalents', i), message: `'${eq}' is ${withArticle(rawModelType(target)!)} model but '${alias}' is ${withArticle(type)} model` });
      }
    });
  }
}

function checkRoute(name: string, r: Raw, models: Raw, problems: ConfigProblem[]): void {
  const at = (...rest: (string | number)[]): string => formatPath(['routes', name, ...rest]);
  if (Array.isArray(r.models)) {
    const seen = new Map<string, number>();
    r.models.forEach((alias: unknown, i) => {
      if (typeof alias !== 'string') return;
      const model = models[alias];
      const first = seen.get(alias);
      if (first !== undefined) {
        problems.push({ path: at('models', i), message: `'${alias}' is listed twice (also at models[${first}])` });
        return;
      }
      seen.set(alias, i);
      if (!isRecord(model)) {
        problems.push({ path: at('models', i), message: `unknown model '${alias}'; known: ${knownList(Object.keys(models))}` });
      } else if (rawModelType(model) === 'embedding') {
        problems.push({ path: at('models', i), message: `'${alias}' is an embedding model and cannot answer chat requests` });
      }
    });
  }
  if (isRecord(r.retry)) {
    const base = typeof r.retry.baseMs === 'number' ? r.retry.baseMs : DEFAULT_RETRY.baseMs;
    const cap = typeof r.retry.capMs === 'number' ? r.retry.capMs : DEFAULT_RETRY.capMs;
    if (cap < base) {
      const capNote = r.retry.capMs === undefined ? ' (the default)' : '';
      problems.push({ path: at('retry', 'capMs'), message: `must be ≥ baseMs (${base}), got ${cap}${capNote}` });
    }
  }
}

function checkRouteCache(name: string, r: Raw, models: Raw, problems: ConfigProblem[]): void {
  if (!isRecord(r.cache) || !isRecord(r.cache.semantic)) return;
  const emb = r.cache.semantic.embeddingModel;
  if (typeof emb !== 'string') return;
  const model = models[emb];
  const path = formatPath(['routes', name, 'cache', 'semantic', 'embeddingModel']);
  if (!isRecord(model)) problems.push({ path, message: `unknown model '${emb}'; known: ${knownList(Object.keys(models))}` });
  else if (rawModelType(model) !== 'embedding') problems.push({ path, message: `'${emb}' is a chat model; the semantic cache needs an embedding model` });
}


function checkBudget(name: string, b: Raw, models: Raw, problems: ConfigProblem[]): void {
  const at = (...rest: (string | number)[]): string => formatPath(['budgets', name, ...rest]);
  if (typeof b.tenant === 'string' && b.tenant !== '*' && !TENANT_PATTERN.test(b.tenant)) {
    problems.push({ path: at('tenant'), message: `expected a tenant name (lowercase letters, digits, '.', '_', '-') or '*' for each tenant, got ${describeValue(b.tenant)}` });
  }
  if (typeof b.downgradeTo === 'string') {
    const model = models[b.downgradeTo];
    if (!isRecord(model)) problems.push({ path: at('downgradeTo'), message: `unknown model '${b.downgradeTo}'; known: ${knownList(Object.keys(models))}` });
    else if (rawModelType(model) === 'embedding') problems.push({ path: at('downgradeTo'), message: `'${b.downgradeTo}' is an embedding model and cannot answer chat requests` });
  }
  if (b.downgradeTo !== undefined && b.action === 'block') {
    problems.push({ path: at('downgradeTo'), message: "applies only to action 'downgrade'" });
  }
}

/** The chat models a route or model alias reaches (undefined when the name is neither). */
function chatTargets(nameOrAlias: string, models: Raw, routes: Raw): Raw[] | undefined {
  const route = routes[nameOrAlias];
  if (isRecord(route) && Array.isArray(route.models)) {
    return route.models.flatMap((a: unknown) => (typeof a === 'string' && isRecord(models[a]) ? [models[a]] : []));
  }
  const model = models[nameOrAlias];
  return isRecord(model) ? [model] : undefined;
}

function checkRag(rag: Raw, models: Raw, routes: Raw, problems: ConfigProblem[]): void {
  const known = (): string => knownList([...new Set([...Object.keys(routes), ...Object.keys(models)])]);
  for (const field of ['model', 'rewriteModel'] as const) {
    const target = rag[field];
    if (typeof target !== 'string') continue;
    const path = formatPath(['rag', field]);
    const reached = chatTargets(target, models, routes);
    if (reached === undefined) {
      problems.push({ path, message: `unknown route or model '${target}'; known: ${known()}` });
    } else if (reached.length > 0 && reached.every((m) => rawModelType(m) === 'embedding')) {
      problems.push({ path, message: `'${target}' is an embedding model and cannot write answers` });
    } else if (field === 'rewriteModel' && reached.length > 0 && reached.every((m) => m.provider === 'local')) {
      problems.push({ path, message: `'${target}' is the local extractive model, which cannot rewrite questions; name a generative (bedrock or openai) model, or leave rewriteModel out` });
    }
  }
}

/** Routes name existing guardrail policies; a grounding judge is a configured chat model. */
function checkGuardrails(raw: Record<string, unknown>, models: Record<string, unknown>, problems: ConfigProblem[]): void {
  const policies = isRecord(raw.guardrails) ? raw.guardrails : {};
  const known = ['default', ...Object.keys(policies)];
  if (isRecord(raw.routes)) {
    for (const [name, r] of Object.entries(raw.routes)) {
      if (!isRecord(r) || typeof r.guardrail !== 'string') continue;
      if (!known.includes(r.guardrail)) {
        problems.push({ path: formatPath(['routes', name, 'guardrail']), message: `unknown guardrail policy '${r.guardrail}'; known: ${known.join(', ')}` });
      }
    }
  }
  for (const [name, p] of Object.entries(policies)) {
    if (!isRecord(p) || !isRecord(p.grounding) || typeof p.grounding.judge !== 'string') continue;
    const judge = models[p.grounding.judge];
    if (!isRecord(judge)) {
      problems.push({ path: formatPath(['guardrails', name, 'grounding', 'judge']), message: `unknown model '${p.grounding.judge}'; known: ${Object.keys(models).join(', ') || '(none)'}` });
    } else if (rawModelType(judge) === 'embedding' || judge.provider === 'local') {
      problems.push({ path: formatPath(['guardrails', name, 'grounding', 'judge']), message: `'${p.grounding.judge}' cannot judge claims; name a generative (bedrock or openai) chat model` });
    }
  }
}

/** Cross-field problems in a raw (defaults merged, not yet validated) config. */
export function crossCheck(raw: unknown): ConfigProblem[] {
  if (!isRecord(raw)) return [];
  const problems: ConfigProblem[] = [];
  const models = isRecord(raw.models) ? raw.models : {};
  for (const [alias, m] of Object.entries(models)) if (isRecord(m)) checkModel(alias, m, models, problems);
  if (isRecord(raw.routes)) {
    for (const [name, r] of Object.entries(raw.routes)) {
      if (!isRecord(r)) continue;
      checkRoute(name, r, models, problems);
      checkRouteCache(name, r, models, problems);
    }
  }
  checkGuardrails(raw, models, problems);
  if (isRecord(raw.rag)) checkRag(raw.rag, models, isRecord(raw.routes) ? raw.routes : {}, problems);
  if (isRecord(raw.budgets)) {
    for (const [name, b] of Object.entries(raw.budgets)) if (isRecord(b)) checkBudget(name, b, models, problems);
  }
  if (isRecord(raw.limits) && isRecord(raw.limits.tenants)) {
    for (const tenant of Object.keys(raw.limits.tenants)) {
      if (tenant !== '*' && !TENANT_PATTERN.test(tenant)) {
        problems.push({ path: formatPath(['limits', 'tenants', tenant]), message: "expected a tenant name (lowercase letters, digits, '.', '_', '-') or '*' for each tenant" });
      }
    }
  }
  return problems;
}
