import { randomUUID } from 'node:crypto';
import { StrataError } from '../../core/index.js';
import type { Logger } from '../../observe/index.js';
import type { PromptRuntime } from '../../prompts/runtime/index.js';
import type { RetrievalResult } from '../kb/index.js';
import type { AnswerParams, AnswerResult, RetrieveParams } from '../service-types.js';
import { citeAnswer } from './citations.js';
import { BUNDLED_PROMPT_REF, buildAnswerPrompt } from './prompt.js';
import { NO_RELEVANT_INFORMATION, bestRelevance } from './relevance.js';
import { isGenerative, standaloneQuestion, type ChatGateway } from './rewrite.js';
import type { SessionStore } from './sessions.js';

/** The `rag:` settings answering reads (strata.yaml, defaults filled). */
export interface AnswerSettings {
  model?: string;
  rewriteModel?: string;
  prompt: string;
  minRelevance: number;
  maxSessionTurns: number;
}

export interface AnswerDeps {
  gateway: ChatGateway;
  prompts?: PromptRuntime;
  sessions: SessionStore;
  settings: AnswerSettings;
  retrieve(params: RetrieveParams): Promise<RetrievalResult[]>;
  logger?: Logger;
  newSessionId?: () => string;
}

/** The route answers go to when neither the request, `rag.model` nor the prompt names one. */
export const DEFAULT_ANSWER_MODEL = 'default';

/** Bedrock's sessionId rule: 2–100 of letters, digits, '.', '_', ':', '-'. */
const SESSION_ID = /^[0-9a-zA-Z._:-]{2,100}$/;

function checkRelevance(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new StrataError('invalid_request', `minRelevance must be a number from 0 to 1 (0 turns the check off), got ${String(value)}.`);
  }
  return value;
}

/**
 * Bedrock RetrieveAndGenerate: (rewrite a follow-up into a standalone question) → retrieve → when the best chunk
 * is relevant enough, answer with the prompt through the gateway (tags feature=rag) → cite. When nothing is
 * relevant the answer says so and no model is called. The turn is kept in the session either way.
 */
export async function retrieveAndGenerate(deps: AnswerDeps, params: AnswerParams): Promise<AnswerResult> {
  if (typeof params.query !== 'string' || params.query.trim() === '') throw new StrataError('invalid_request', 'The question is empty; give the text to answer.');
  const minRelevance = checkRelevance(params.minRelevance, deps.settings.minRelevance);
  const tenant = params.tenant;
  const caller = params.caller ?? { tenant };
  const tags = { ...params.tags, feature: 'rag' };
  let sessionId = params.sessionId;
  let history: Awaited<ReturnType<SessionStore['turns']>> = [];
  if (sessionId !== undefined) {
    if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) {
      throw new StrataError('invalid_request', "sessionId must be 2-100 of letters, digits, '.', '_', ':' and '-'.");
    }
    history = await deps.sessions.turns(tenant, sessionId, deps.settings.maxSessionTurns);
    if (history === undefined) {
      throw new StrataError('not_found', `No session '${sessionId}' (sessions expire after a period without questions); start a new one by leaving sessionId out.`);
    }
  } else {
    sessionId = (deps.newSessionId ?? randomUUID)();
  }

  const configuredModel = params.model ?? deps.settings.model;
  const rewriteModel = deps.settings.rewriteModel ?? (isGenerative(deps.gateway, configuredModel ?? DEFAULT_ANSWER_MODEL) ? (configuredModel ?? DEFAULT_ANSWER_MODEL) : undefined);
  const { query } = await standaloneQuestion({ gateway: deps.gateway, model: rewriteModel, history, question: params.query, caller, tags: params.tags ?? {}, signal: params.signal });

  const results = await deps.retrieve({ ...params, query });
  const prompt = await buildAnswerPrompt({
    runtime: deps.prompts,
    promptRef: deps.settings.prompt,
    tenant,
    query,
    results,
    history,
    promptTemplate: params.promptTemplate,
    logger: deps.logger,
  });

  let text: string;
  let citations: AnswerResult['citations'] = [];
  let model: string | undefined;
  let invocationId: string | undefined;
  const noRelevantResults = results.length === 0 || (minRelevance > 0 && bestRelevance(query, results) < minRelevance);
  if (noRelevantResults) {
    text = NO_RELEVANT_INFORMATION;
  } else {
    const answerModel = configuredModel ?? prompt.route ?? DEFAULT_ANSWER_MODEL;
    const registryRef = prompt.ref === BUNDLED_PROMPT_REF || prompt.ref.startsWith('request:') ? undefined : prompt.ref;
    const res = await deps.gateway.chat({
      model: answerModel,
      messages: prompt.messages,
      params: prompt.params,
      caller,
      tags,
      signal: params.signal,
      ...(registryRef === undefined ? {} : { prompt: registryRef }),
    });
    ({ text, citations } = citeAnswer(res.result.text, results));
    model = res.meta.model;
    invocationId = res.meta.invocationId;
  }
  // the standalone question, so that the next follow-up builds on what was really asked
  await deps.sessions.append(tenant, sessionId, { question: query, answer: text });
  const out: AnswerResult = { sessionId, output: { text }, citations, noRelevantResults, prompt: prompt.ref };
  if (model !== undefined) out.model = model;
  if (invocationId !== undefined) out.invocationId = invocationId;
  return out;
}
