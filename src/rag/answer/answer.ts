import { randomUUID } from 'node:crypto';
import { StrataError } from '../../core/index.js';
import type { GatewayChatRequest } from '../../gateway/index.js';
import type { Logger } from '../../observe/index.js';
import type { PromptRuntime } from '../../prompts/runtime/index.js';
import type { RetrievalResult } from '../kb/index.js';
import type { AnswerParams, AnswerResult, RetrieveParams } from '../service-types.js';
import { citeAnswer } from './citations.js';
import { guardrailActionOf, type AnswerGuard } from './guard.js';
import type { GuardedCall, GuardedGenerations } from './guard-step.js';
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
  /** the guardrail policy this request is checked by (the request's, else the knowledge base's) */
  guard?: AnswerGuard;
  /** runs guarded generation calls through the gateway's guard step; required with `guard` */
  generations?: GuardedGenerations;
}

/** The route answers go to when neither the request, `rag.model` nor the prompt names one. */
export const DEFAULT_ANSWER_MODEL = 'default';

/** `prompt` of an answer no prompt was rendered for (the policy blocked the question first). */
const NO_PROMPT = 'none';

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
 *
 * With a guardrail policy: its INPUT side checks the question before anything else sees it (a block answers
 * with the policy's message and calls no model, not even the rewriter; masking rewrites the question for
 * retrieval, generation and the session), retrieved passages carrying an injection are dropped, and its OUTPUT
 * side checks the answer — grounded against the passages shown and the question — before citations are made,
 * so citation spans point into the text returned. The generation call carries the interventions on its record.
 */
export async function retrieveAndGenerate(deps: AnswerDeps, params: AnswerParams): Promise<AnswerResult> {
  if (typeof params.query !== 'string' || params.query.trim() === '') throw new StrataError('invalid_request', 'The question is empty; give the text to answer.');
  const minRelevance = checkRelevance(params.minRelevance, deps.settings.minRelevance);
  const tenant = params.tenant;
  const caller = params.caller ?? { tenant };
  const tags = { ...params.tags, feature: 'rag' };
  const guard = deps.guard;
  const generations = deps.generations;
  if (guard !== undefined && generations === undefined) throw new StrataError('internal', 'A guardrail policy was given without the guarded generation step.');
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
    // a blocked question leaves an empty turn (it keeps the session alive, and its text out of every later prompt)
    history = history.filter((t) => t.question !== '');
  } else {
    sessionId = (deps.newSessionId ?? randomUUID)();
  }
  const configuredModel = params.model ?? deps.settings.model;
  const registryRefOf = (ref: string): string | undefined => (ref === BUNDLED_PROMPT_REF || ref.startsWith('request:') ? undefined : ref);
  const chatRequest = (model: string, messages: GatewayChatRequest['messages'], modelParams: GatewayChatRequest['params'], prompt?: string): GatewayChatRequest => ({
    model,
    messages,
    params: modelParams,
    caller,
    tags,
    signal: params.signal,
    ...(prompt === undefined ? {} : { prompt }),
  });

  let question = params.query;
  if (guard !== undefined) {
    const verdict = await guard.checkQuestion(question);
    if (verdict.blockedMessage !== undefined) {
      const model = configuredModel ?? DEFAULT_ANSWER_MODEL;
      const invocationId = await recordWithoutModel(deps, generations!, guard, chatRequest(model, [{ role: 'user', content: question }], {}), verdict.blockedMessage, 'content_filter');
      await deps.sessions.append(tenant, sessionId, { question: '', answer: verdict.blockedMessage });
      guard.trace.settled = true;
      return finish({ sessionId, output: { text: verdict.blockedMessage }, citations: [], noRelevantResults: false, prompt: NO_PROMPT }, guard, invocationId);
    }
    question = verdict.text;
  }

  const rewriteModel = deps.settings.rewriteModel ?? (isGenerative(deps.gateway, configuredModel ?? DEFAULT_ANSWER_MODEL) ? (configuredModel ?? DEFAULT_ANSWER_MODEL) : undefined);
  const { query } = await standaloneQuestion({ gateway: deps.gateway, model: rewriteModel, history, question, caller, tags: params.tags ?? {}, signal: params.signal });

  const retrieved = await deps.retrieve({ ...params, query });
  // a policy with promptAttacks.documents drops passages that tell the model what to do (indirect injection)
  const keep = guard?.screenPassages(retrieved.map((r) => r.content.text));
  const results = keep === undefined ? retrieved : retrieved.filter((_, i) => keep[i] !== false);
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
  const answerModel = configuredModel ?? prompt.route ?? DEFAULT_ANSWER_MODEL;
  if (noRelevantResults) {
    text = NO_RELEVANT_INFORMATION;
    // a guarded request is recorded even so: its input and document interventions belong on a record
    if (guard !== undefined) invocationId = await recordWithoutModel(deps, generations!, guard, chatRequest(answerModel, prompt.messages, prompt.params), text, 'stop');
  } else {
    const req = chatRequest(answerModel, prompt.messages, prompt.params, registryRefOf(prompt.ref));
    const sources = results.map((r) => r.content.text);
    const res =
      guard === undefined
        ? await deps.gateway.chat(req)
        : await generations!.chat(deps.gateway, req, { guard, checkAnswer: (answer) => guard.checkAnswer(answer, { sources, question: query }) });
    model = res.meta.model;
    invocationId = res.meta.invocationId;
    if (res.result.finishReason === 'content_filter') {
      // the policy's message replaced the answer: it cites nothing
      text = res.result.text;
    } else {
      // the answer as checked (masked when the policy anonymised it), so that the spans point into the text returned
      ({ text, citations } = citeAnswer(res.result.text, results));
    }
  }
  // the standalone question, so that the next follow-up builds on what was really asked
  await deps.sessions.append(tenant, sessionId, { question: query, answer: text });
  if (guard !== undefined) guard.trace.settled = true;
  const out: AnswerResult = { sessionId, output: { text }, citations, noRelevantResults, prompt: prompt.ref };
  if (model !== undefined) out.model = model;
  return finish(out, guard, invocationId);
}

/** Adds the invocation id and, with a policy, what it did (Bedrock's guardrailAction and Strata's trace). */
function finish(out: AnswerResult, guard: AnswerGuard | undefined, invocationId: string | undefined): AnswerResult {
  if (invocationId !== undefined) out.invocationId = invocationId;
  if (guard !== undefined) {
    out.guardrailAction = guardrailActionOf(guard.trace);
    out.guardrail = guard.trace;
  }
  return out;
}

/**
 * Records an answer made without a model (a blocked question, nothing relevant) as an invocation carrying the
 * policy's interventions. Best effort: the caller's answer does not depend on it, so a failure (the answer
 * route cannot be resolved, say) is logged without content and the answer still goes out — with no id.
 */
async function recordWithoutModel(
  deps: AnswerDeps,
  generations: GuardedGenerations,
  guard: AnswerGuard,
  req: GatewayChatRequest,
  text: string,
  finishReason: 'stop' | 'content_filter',
): Promise<string | undefined> {
  const call: GuardedCall = { guard, without: { text, finishReason } };
  try {
    return (await generations.chat(deps.gateway, req, call)).meta.invocationId;
  } catch (e) {
    const err = e instanceof StrataError ? { code: e.code } : { code: 'internal' };
    deps.logger?.warn({ err, policy: guard.policy }, 'a guarded knowledge base answer made without a model could not be recorded');
    return undefined;
  }
}
