import { emptyUsage, type ChatMessage, type ChatResult } from '../core/index.js';
import { answerWithoutModel, inputEstimate, type ChatContext, type GuardrailTrace, type Step } from '../gateway/index.js';
import type { GatewayMetrics } from '../observe/index.js';
import type { GuardrailResult } from './assessment.js';
import type { GuardrailTextBlock } from './bedrock/adapter.js';
import { PseudonymTable } from './pii/index.js';
import type { GuardrailPolicy } from './policy.js';
import type { GuardrailRegistry } from './registry.js';
import { guardStream } from './stream-guard.js';
import { addInterventions, groundingScores, newGuardrailTrace } from './trace.js';

export interface GuardrailStepDeps {
  registry: GuardrailRegistry;
  /** route name → the name of its policy (`routes.<name>.guardrail`) */
  routes: ReadonlyMap<string, string>;
  metrics?: GatewayMetrics;
}

/**
 * The guardrail step of routes with a policy. Before the model: the policy checks the user messages (INPUT);
 * a block answers with the policy's message and `content_filter` without calling a model, masking rewrites
 * the messages. It sits before the knowledge-base and cache steps, so neither sees unguarded text. After the
 * model: the answer is checked (OUTPUT), grounded against `ctx.groundingSources` when the knowledge-base step
 * filled them; a streamed answer is checked sentence by sentence with PII masked across chunk boundaries.
 * One PseudonymTable per request numbers values alike in the prompt and the answer.
 */
export function createGuardrailStep(deps: GuardrailStepDeps): Step {
  return async (ctx, next) => {
    const name = deps.routes.get(ctx.plan!.name);
    if (name === undefined) return next();
    const policy = deps.registry.get(name);
    const trace = newGuardrailTrace(name);
    ctx.guardrail = trace;
    const pseudonyms = new PseudonymTable();
    const signal = ctx.req.signal;

    const users = ctx.req.messages.flatMap((m, i) => (m.role === 'user' && m.content !== '' ? [i] : []));
    if (users.length > 0 && policy.checks('INPUT')) {
      const res = await policy.apply('INPUT', users.map((i) => ({ text: ctx.req.messages[i]!.content })), { pseudonyms, signal });
      addInterventions(trace, 'input', res.interventions, deps.metrics);
      if (res.blockedMessage !== undefined) {
        answerBlocked(ctx, trace, res.blockedMessage);
        return;
      }
      if (res.action === 'GUARDRAIL_INTERVENED' && res.outputs.length === users.length) rewriteUserMessages(ctx, users, res);
    }
    const lastUser = users.length > 0 ? ctx.req.messages[users[users.length - 1]!]!.content : undefined;
    if (policy.config.promptAttacks !== undefined) {
      ctx.screenDocuments = (passages) => {
        const screening = policy.screenDocuments(passages);
        addInterventions(trace, 'documents', screening.interventions, deps.metrics);
        return screening.keep;
      };
    }

    await next();

    if (ctx.meta) ctx.meta.guardrail = trace;
    if (!policy.checks('OUTPUT')) {
      trace.settled = true;
      return;
    }
    const grounding = groundingBlocks(ctx.groundingSources, lastUser);
    if (ctx.result) {
      await guardResult(ctx, ctx.result, policy, trace, { pseudonyms, grounding, metrics: deps.metrics });
      trace.settled = true;
    } else if (ctx.stream) {
      ctx.stream = guardStream(ctx.stream, {
        policy,
        trace,
        pseudonyms,
        grounding,
        metrics: deps.metrics,
        signal,
        // a blocked stream is cut before the upstream's usage arrives: the record gets the tokenizer's count
        estimateUsage: (outputTokens) => ({ ...emptyUsage(), inputTokens: inputEstimate(ctx), outputTokens }),
      });
    }
  };
}

/** The text blocks a grounding check needs: the retrieved sources and the question (none without both). */
export function groundingBlocks(sources: readonly string[] | undefined, question: string | undefined): GuardrailTextBlock[] {
  if (sources === undefined || sources.length === 0 || question === undefined) return [];
  return [...sources.map((text): GuardrailTextBlock => ({ text, qualifiers: ['grounding_source'] })), { text: question, qualifiers: ['query'] }];
}

/** Copies the messages, replacing the user messages' text by the policy's masked text. */
function rewriteUserMessages(ctx: ChatContext, users: number[], res: GuardrailResult): void {
  const messages: ChatMessage[] = [...ctx.req.messages];
  users.forEach((at, k) => {
    messages[at] = { ...messages[at]!, content: res.outputs[k]!.text };
  });
  // the request object is this request's own (see the knowledge-base step), so it may be rewritten in place
  ctx.req.messages = messages;
}

/** Answers a blocked request with the policy's message and content_filter: no model call, no tokens, no cost. */
function answerBlocked(ctx: ChatContext, trace: GuardrailTrace, message: string): void {
  trace.blocked = 'input';
  trace.settled = true;
  answerWithoutModel(ctx, message, 'content_filter', { guardrail: trace });
}

/** Checks a whole answer: a block replaces it by the policy's message (content_filter), masking rewrites it. */
async function guardResult(
  ctx: ChatContext,
  r: ChatResult,
  policy: GuardrailPolicy,
  trace: GuardrailTrace,
  o: { pseudonyms: PseudonymTable; grounding: GuardrailTextBlock[]; metrics?: GatewayMetrics },
): Promise<void> {
  // tool calls alone carry no prose to check; their arguments go to the application, not to a person
  if (r.text === '') return;
  const res = await policy.apply('OUTPUT', [{ text: r.text }, ...o.grounding], { pseudonyms: o.pseudonyms, signal: ctx.req.signal });
  addInterventions(trace, 'output', res.interventions, o.metrics);
  const scores = groundingScores(res);
  if (scores) trace.grounding = scores;
  // a new result object: the cached answer (if this one came from the cache) must stay as it was
  if (res.blockedMessage !== undefined) {
    trace.blocked = 'output';
    ctx.result = { ...r, text: res.blockedMessage, toolCalls: [], finishReason: 'content_filter' };
  } else if (res.action === 'GUARDRAIL_INTERVENED' && res.outputs[0] !== undefined) {
    ctx.result = { ...r, text: res.outputs[0].text };
  }
}

