import { StrataError, isRecord } from '../core/index.js';
import { withoutMatches, type GuardrailAction, type GuardrailAssessment, type GuardrailResult, type GuardrailSource } from './assessment.js';
import { isGuardedBlock, type GuardrailTextBlock } from './bedrock/adapter.js';
import type { GuardrailPolicy } from './policy.js';

/**
 * ApplyGuardrail's request and response on the wire, shared by `POST /v1/guardrails/{policy}/apply` and
 * `strata guard --json`, so both answer exactly like Bedrock's ApplyGuardrail (plus Strata's scores).
 */

/** At most this many content blocks per request (Bedrock's own limit is on characters; this bounds the work). */
export const MAX_APPLY_BLOCKS = 100;
const QUALIFIERS = new Set(['grounding_source', 'query', 'guard_content']);

export interface ApplyGuardrailRequest {
  source: GuardrailSource;
  blocks: GuardrailTextBlock[];
}

function bad(message: string, param?: string): StrataError {
  return new StrataError('invalid_request', message, { details: param ? { param } : undefined });
}

/** Validates an ApplyGuardrail request body: `source` INPUT|OUTPUT and `content: [{text: {text, qualifiers?}}]`. */
export function parseApplyGuardrailRequest(body: unknown): ApplyGuardrailRequest {
  if (!isRecord(body)) throw bad('The request body must be a JSON object: {"source": "INPUT" | "OUTPUT", "content": [{"text": {"text": "…"}}]}.');
  const source = body.source;
  if (source !== 'INPUT' && source !== 'OUTPUT') throw bad("'source' must be INPUT (a user's prompt) or OUTPUT (a model's answer).", 'source');
  const content = body.content;
  if (!Array.isArray(content) || content.length === 0) throw bad("'content' must be a non-empty array of {\"text\": {\"text\": \"…\"}} blocks.", 'content');
  if (content.length > MAX_APPLY_BLOCKS) throw bad(`'content' has ${content.length} blocks; at most ${MAX_APPLY_BLOCKS} are allowed.`, 'content');
  const outputScope = body.outputScope;
  if (outputScope !== undefined && outputScope !== 'INTERVENTIONS' && outputScope !== 'FULL') throw bad("'outputScope' must be INTERVENTIONS or FULL.", 'outputScope');
  const blocks = content.map((c: unknown, i: number): GuardrailTextBlock => {
    const at = `content[${i}]`;
    if (!isRecord(c) || !isRecord(c.text) || typeof c.text.text !== 'string') {
      throw bad(`${at} must be {"text": {"text": "…", "qualifiers": […]}}; only text content is supported.`, at);
    }
    const q = c.text.qualifiers;
    if (q === undefined) return { text: c.text.text };
    if (!Array.isArray(q) || !q.every((x) => typeof x === 'string' && QUALIFIERS.has(x))) {
      throw bad(`${at}.text.qualifiers must be a list of grounding_source, query and guard_content.`, `${at}.text.qualifiers`);
    }
    return { text: c.text.text, qualifiers: q as GuardrailTextBlock['qualifiers'] };
  });
  if (!blocks.some(isGuardedBlock)) {
    throw bad("'content' has only grounding sources and queries: add the text to check (a block without qualifiers, or with guard_content).", 'content');
  }
  return { source, blocks };
}

/** ApplyGuardrail's usage: text units (1,000 characters, rounded up) per policy that ran. */
export interface GuardrailUsage {
  topicPolicyUnits: number;
  contentPolicyUnits: number;
  wordPolicyUnits: number;
  sensitiveInformationPolicyUnits: number;
  sensitiveInformationPolicyFreeUnits: number;
  contextualGroundingPolicyUnits: number;
}

export interface ApplyGuardrailResponse {
  usage: GuardrailUsage;
  action: GuardrailAction;
  outputs: { text: string }[];
  assessments: GuardrailAssessment[];
  guardrailCoverage: { textCharacters: { guarded: number; total: number } };
}


/** The wire answer for a policy's result; `match` fields (the sensitive text itself) only when asked for. */
export function applyGuardrailResponse(
  policy: GuardrailPolicy,
  source: GuardrailSource,
  blocks: readonly GuardrailTextBlock[],
  result: GuardrailResult,
  opts: { showMatches?: boolean } = {},
): ApplyGuardrailResponse {
  const guarded = blocks.filter(isGuardedBlock).reduce((n, b) => n + b.text.length, 0);
  const total = blocks.reduce((n, b) => n + b.text.length, 0);
  const units = Math.ceil(guarded / 1000);
  const c = policy.config;
  const sensitive = c.pii !== undefined && (c.pii.all !== undefined || c.pii.entities.length > 0);
  // Bedrock does not bill regex-only sensitive-information filters: they are its free units
  const regexOnly = c.pii !== undefined && !sensitive && c.pii.custom.length > 0;
  const grounded = source === 'OUTPUT' && c.grounding !== undefined && blocks.some((b) => b.qualifiers?.includes('grounding_source'));
  return {
    usage: {
      topicPolicyUnits: c.topics ? units : 0,
      contentPolicyUnits: c.promptAttacks && source === 'INPUT' ? units : 0,
      wordPolicyUnits: c.words ? units : 0,
      sensitiveInformationPolicyUnits: sensitive ? units : 0,
      sensitiveInformationPolicyFreeUnits: regexOnly ? units : 0,
      contextualGroundingPolicyUnits: grounded ? units : 0,
    },
    action: result.action,
    outputs: result.outputs,
    assessments: opts.showMatches ? result.assessments : withoutMatches(result.assessments),
    guardrailCoverage: { textCharacters: { guarded, total } },
  };
}
