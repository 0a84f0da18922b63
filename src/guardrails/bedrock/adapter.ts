import { ApplyGuardrailCommand, type ApplyGuardrailResponse, type GuardrailAssessment as SdkAssessment } from '@aws-sdk/client-bedrock-runtime';
import { StrataError } from '../../core/index.js';
import { bedrockClientFor, mapBedrockError, resolveEndpoint, resolveRegion } from '../../providers/bedrock/index.js';
import type {
  AssessedBlockAction,
  AssessedPiiAction,
  GuardrailAction,
  GuardrailAssessment,
  GuardrailIntervention,
  GuardrailSource,
} from '../assessment.js';

/** A managed Bedrock guardrail: `guardrails.<policy>.bedrock` in strata.yaml. */
export interface BedrockGuardrailRef {
  /** guardrail id or ARN */
  identifier: string;
  /** a version number or DRAFT */
  version: string;
  region?: string;
  /** a VPC endpoint or the simulator (else STRATA_BEDROCK_ENDPOINT, else AWS's own) */
  endpoint?: string;
}

export interface BedrockGuardrailOutcome {
  action: GuardrailAction;
  /** Bedrock's outputs: the masked text, or the guardrail's own blocked message */
  outputs: { text: string }[];
  assessments: GuardrailAssessment[];
  interventions: GuardrailIntervention[];
  /** whether Bedrock blocked (as opposed to only masking) */
  blocked: boolean;
}

/** One text block to check; qualifiers as in ApplyGuardrail (grounding sources and the query for grounding checks). */
export interface GuardrailTextBlock {
  text: string;
  qualifiers?: ('grounding_source' | 'query' | 'guard_content')[];
}

/** Whether a block is text to check (no qualifiers, or guard_content) rather than grounding context. */
export function isGuardedBlock(b: GuardrailTextBlock): boolean {
  return b.qualifiers === undefined || b.qualifiers.length === 0 || b.qualifiers.includes('guard_content');
}

/** Calls ApplyGuardrail on a managed Bedrock guardrail and maps its answer into Strata's assessment. */
export async function applyBedrockGuardrail(ref: BedrockGuardrailRef, source: GuardrailSource, blocks: GuardrailTextBlock[], signal?: AbortSignal): Promise<BedrockGuardrailOutcome> {
  const client = bedrockClientFor(resolveRegion(ref.region), resolveEndpoint(ref.endpoint));
  let res: ApplyGuardrailResponse;
  try {
    res = await client.send(
      new ApplyGuardrailCommand({
        guardrailIdentifier: ref.identifier,
        guardrailVersion: ref.version,
        source,
        content: blocks.map((b) => ({ text: { text: b.text, ...(b.qualifiers ? { qualifiers: b.qualifiers } : {}) } })),
      }),
      { abortSignal: signal },
    );
  } catch (e) {
    const err = mapBedrockError(e, `guardrail ${ref.identifier}:${ref.version}`);
    // the generic mapping speaks of model ids; an unknown guardrail is a config mistake worth naming as one
    if (err.upstreamType === 'ResourceNotFoundException') {
      throw new StrataError('upstream_not_found', `Bedrock has no guardrail '${ref.identifier}' with version '${ref.version}' in this region: check the policy's bedrock.identifier, version and region.`, {
        status: err.status,
        upstreamType: err.upstreamType,
        cause: e,
      });
    }
    throw err;
  }
  return mapBedrockGuardrailResponse(res);
}

/** Maps an ApplyGuardrail response (SDK types) into Strata's, deriving which checks intervened. */
export function mapBedrockGuardrailResponse(res: ApplyGuardrailResponse): BedrockGuardrailOutcome {
  const raw: string | undefined = res.action;
  const action: GuardrailAction = raw === 'GUARDRAIL_INTERVENED' ? 'GUARDRAIL_INTERVENED' : 'NONE';
  if (raw !== undefined && raw !== 'NONE' && raw !== 'GUARDRAIL_INTERVENED') {
    throw new StrataError('upstream_model_error', `Bedrock ApplyGuardrail answered with an unknown action '${raw}'.`);
  }
  const assessments = (res.assessments ?? []).map(mapAssessment);
  const interventions = interventionsOf(assessments);
  const blocked = interventions.some((i) => i.action === 'BLOCKED');
  return { action, outputs: (res.outputs ?? []).map((o) => ({ text: o.text ?? '' })), assessments, interventions, blocked };
}

function piiAction(a: string | undefined): AssessedPiiAction {
  return a === 'BLOCKED' ? 'BLOCKED' : a === 'ANONYMIZED' ? 'ANONYMIZED' : 'NONE';
}

function blockAction(a: string | undefined): AssessedBlockAction {
  return a === 'BLOCKED' ? 'BLOCKED' : 'NONE';
}

function mapAssessment(a: SdkAssessment): GuardrailAssessment {
  const out: GuardrailAssessment = {};
  if (a.topicPolicy) {
    out.topicPolicy = { topics: (a.topicPolicy.topics ?? []).map((t) => ({ name: t.name ?? '', type: 'DENY', action: blockAction(t.action), detected: t.detected ?? t.action === 'BLOCKED' })) };
  }
  if (a.contentPolicy) {
    out.contentPolicy = {
      filters: (a.contentPolicy.filters ?? []).map((f) => ({
        type: f.type ?? 'UNKNOWN',
        confidence: f.confidence ?? 'NONE',
        action: blockAction(f.action),
        detected: f.detected ?? f.action === 'BLOCKED',
      })),
    };
  }
  if (a.wordPolicy) {
    out.wordPolicy = {
      customWords: (a.wordPolicy.customWords ?? []).map((w) => ({ match: w.match, action: blockAction(w.action), detected: w.detected ?? w.action === 'BLOCKED' })),
      managedWordLists: (a.wordPolicy.managedWordLists ?? []).map((w) => ({ match: w.match, type: 'PROFANITY', action: blockAction(w.action), detected: w.detected ?? w.action === 'BLOCKED' })),
    };
  }
  if (a.sensitiveInformationPolicy) {
    out.sensitiveInformationPolicy = {
      piiEntities: (a.sensitiveInformationPolicy.piiEntities ?? []).map((p) => ({ type: p.type ?? 'UNKNOWN', action: piiAction(p.action), detected: p.detected ?? p.action !== 'NONE', match: p.match })),
      regexes: (a.sensitiveInformationPolicy.regexes ?? []).map((r) => ({ name: r.name ?? '', regex: r.regex, action: piiAction(r.action), detected: r.detected ?? r.action !== 'NONE', match: r.match })),
    };
  }
  if (a.contextualGroundingPolicy) {
    out.contextualGroundingPolicy = {
      filters: (a.contextualGroundingPolicy.filters ?? []).map((f) => ({
        type: f.type === 'RELEVANCE' ? 'RELEVANCE' : 'GROUNDING',
        threshold: f.threshold ?? 0,
        score: f.score ?? 0,
        action: blockAction(f.action),
        detected: f.detected ?? f.action === 'BLOCKED',
      })),
    };
  }
  return out;
}

/** The interventions an assessment implies (grouped per check and action; types without content). */
export function interventionsOf(assessments: GuardrailAssessment[]): GuardrailIntervention[] {
  const groups = new Map<string, GuardrailIntervention>();
  // a finding the policy only records (action NONE) still counts, as DETECTED
  const add = (check: GuardrailIntervention['check'], action: string, type: string, detected = true): void => {
    if (action === 'NONE' && !detected) return;
    const act = (action === 'NONE' ? 'DETECTED' : action) as GuardrailIntervention['action'];
    const key = `${check}\n${act}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { check, action: act, types: [] }));
    if (!g.types.includes(type)) g.types.push(type);
  };
  for (const a of assessments) {
    for (const t of a.topicPolicy?.topics ?? []) add('topic', t.action, t.name, t.detected);
    for (const f of a.contentPolicy?.filters ?? []) add(f.type === 'PROMPT_ATTACK' ? 'prompt_attack' : 'bedrock', f.action, f.category ?? f.type, f.detected);
    for (const w of a.wordPolicy?.customWords ?? []) add('word', w.action, 'CUSTOM', w.detected);
    for (const w of a.wordPolicy?.managedWordLists ?? []) add('word', w.action, w.type, w.detected);
    for (const p of a.sensitiveInformationPolicy?.piiEntities ?? []) add('pii', p.action, p.type, p.detected);
    for (const r of a.sensitiveInformationPolicy?.regexes ?? []) add('regex', r.action, r.name, r.detected);
    for (const f of a.contextualGroundingPolicy?.filters ?? []) add(f.type === 'RELEVANCE' ? 'relevance' : 'grounding', f.action, f.type, f.detected);
  }
  return [...groups.values()];
}
