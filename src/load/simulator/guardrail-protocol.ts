import { randomUUID } from 'node:crypto';
import { isRecord } from '../../core/index.js';
import { PiiDetector, WordFilter, redactPii, type PiiEntityType } from '../../guardrails/index.js';
import { admitInvoke, sendError } from './bedrock-protocol.js';
import type { SimulatorBehavior } from './behavior.js';
import type { Exchange } from './exchange.js';
import type { SimulatedGuardrail } from './settings.js';

const ROUTE = /^\/guardrail\/([^/]+)\/version\/([^/]+)\/apply$/;
const QUALIFIERS = new Set(['grounding_source', 'query', 'guard_content']);

interface Compiled {
  words: WordFilter | undefined;
  pii: PiiDetector | undefined;
}

/** Detectors per configured guardrail object; a settings update replaces the objects, and so the entries. */
const compiled = new WeakMap<SimulatedGuardrail, Compiled>();

function compile(g: SimulatedGuardrail): Compiled {
  let c = compiled.get(g);
  if (c === undefined) {
    c = {
      words: g.blockedWords.length > 0 ? WordFilter.create({ words: g.blockedWords }) : undefined,
      pii: g.piiTypes.length > 0 ? new PiiDetector({ types: g.piiTypes as PiiEntityType[] }) : undefined,
    };
    compiled.set(g, c);
  }
  return c;
}

interface ApplyParsed {
  source: 'INPUT' | 'OUTPUT';
  /** texts to guard (blocks without qualifiers or with guard_content) */
  guarded: string[];
  total: number;
}

class ApplyInvalid extends Error {}

function parseApply(body: unknown): ApplyParsed {
  if (!isRecord(body)) throw new ApplyInvalid('Malformed input request: expected a JSON object.');
  const source = body.source;
  if (source !== 'INPUT' && source !== 'OUTPUT') {
    throw new ApplyInvalid(`1 validation error detected: Value '${String(source)}' at 'source' failed to satisfy constraint: Member must satisfy enum value set: [INPUT, OUTPUT]`);
  }
  const content = body.content;
  if (!Array.isArray(content) || content.length === 0) throw new ApplyInvalid("1 validation error detected: Value at 'content' failed to satisfy constraint: Member must not be null or empty");
  const guarded: string[] = [];
  let total = 0;
  content.forEach((c: unknown, i: number) => {
    const text = isRecord(c) && isRecord(c.text) ? c.text : undefined;
    if (text === undefined || typeof text.text !== 'string') throw new ApplyInvalid(`content.${i + 1}.member must be a text block: {"text": {"text": …}}.`);
    const q = text.qualifiers;
    if (q !== undefined && (!Array.isArray(q) || !q.every((x) => typeof x === 'string' && QUALIFIERS.has(x)))) {
      throw new ApplyInvalid(`content.${i + 1}.member.text.qualifiers must be a list of grounding_source, query and guard_content.`);
    }
    total += text.text.length;
    const qs = (q ?? []) as string[];
    if (qs.length === 0 || qs.includes('guard_content')) guarded.push(text.text);
  });
  return { source, guarded, total };
}

/** Checks the texts like a managed guardrail would: blocked words, then PII (blocked, or masked as {TYPE}). */
function assess(g: SimulatedGuardrail, p: ApplyParsed) {
  const c = compile(g);
  const customWords: { match: string; action: 'BLOCKED'; detected: boolean }[] = [];
  const piiEntities: { match: string; type: string; action: 'ANONYMIZED' | 'BLOCKED'; detected: boolean }[] = [];
  const piiAction = g.piiAction === 'BLOCK' ? 'BLOCKED' : 'ANONYMIZED';
  const masked = p.guarded.map((text) => {
    for (const w of c.words?.find(text) ?? []) customWords.push({ match: w.match, action: 'BLOCKED', detected: true });
    const found = c.pii?.detect(text) ?? [];
    for (const f of found) piiEntities.push({ match: text.slice(f.start, f.end), type: f.type, action: piiAction, detected: true });
    return piiAction === 'ANONYMIZED' ? redactPii(text, found) : text;
  });
  const blocked = customWords.length > 0 || (piiAction === 'BLOCKED' && piiEntities.length > 0);
  const intervened = blocked || piiEntities.length > 0;
  const assessment: Record<string, unknown> = {};
  if (customWords.length > 0) assessment.wordPolicy = { customWords, managedWordLists: [] };
  if (piiEntities.length > 0) assessment.sensitiveInformationPolicy = { piiEntities, regexes: [] };
  const message = p.source === 'INPUT' ? g.blockedInputMessage : g.blockedOutputMessage;
  const outputs = blocked ? [{ text: message }] : intervened ? masked.map((text) => ({ text })) : [];
  return { action: intervened ? 'GUARDRAIL_INTERVENED' : 'NONE', outputs, assessment };
}

/** Serves ApplyGuardrail (POST /guardrail/{id}/version/{version}/apply); false when the path is another. */
export async function handleApplyGuardrail(ex: Exchange, behavior: SimulatorBehavior): Promise<boolean> {
  const m = ROUTE.exec(ex.path);
  if (m === null) return false;
  if (ex.method !== 'POST') {
    sendError(ex, 'ValidationException', 'Use POST for /guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply.');
    return true;
  }
  const id = decodeURIComponent(m[1]!);
  const version = decodeURIComponent(m[2]!);
  const counted = `guardrail/${id}`;
  let p: ApplyParsed;
  try {
    p = parseApply(JSON.parse((await ex.body()).toString('utf8')));
  } catch (e) {
    if (!(e instanceof ApplyInvalid) && !(e instanceof SyntaxError)) throw e;
    behavior.recordRejected(counted);
    sendError(ex, 'ValidationException', e instanceof ApplyInvalid ? e.message : 'Malformed input request: the body is not valid JSON.');
    return true;
  }
  const g = behavior.guardrail(id);
  if (g === undefined || g.version !== version) {
    behavior.recordRejected(counted);
    sendError(ex, 'ResourceNotFoundException', `The guardrail ${id} with version ${version} was not found.`);
    return true;
  }
  const started = Date.now();
  if (!(await admitInvoke(ex, behavior, counted, Math.ceil(p.total / 4)))) return true;
  const out = assess(g, p);
  const guardedChars = p.guarded.reduce((n, t) => n + t.length, 0);
  const units = Math.ceil(guardedChars / 1000);
  const usage = {
    topicPolicyUnits: 0,
    contentPolicyUnits: 0,
    wordPolicyUnits: g.blockedWords.length > 0 ? units : 0,
    sensitiveInformationPolicyUnits: g.piiTypes.length > 0 ? units : 0,
    sensitiveInformationPolicyFreeUnits: 0,
    contextualGroundingPolicyUnits: 0,
  };
  const coverage = { textCharacters: { guarded: guardedChars, total: p.total } };
  const assessment = { ...out.assessment, invocationMetrics: { guardrailProcessingLatency: Date.now() - started, usage, guardrailCoverage: coverage } };
  ex.json(200, { usage, action: out.action, outputs: out.outputs, assessments: [assessment], guardrailCoverage: coverage }, { 'x-amzn-requestid': randomUUID() });
  return true;
}
