import { StrataError } from '../../core/index.js';
import { answerWithoutModel, type ChatContext, type GatewayChatRequest, type GatewayChatResponse, type Next, type Step } from '../../gateway/index.js';
import type { AnswerGuard, AnswerGuardVerdict } from './guard.js';
import type { ChatGateway } from './rewrite.js';

/** How the guard step serves one generation call of a guarded retrieve-and-generate. */
export type GuardedCall =
  /** call the model, then check its answer (before the invocation is recorded) */
  | { guard: AnswerGuard; checkAnswer: (answer: string) => Promise<AnswerGuardVerdict> }
  /** answer with this text and no model call (a blocked question, nothing relevant retrieved) */
  | { guard: AnswerGuard; without: { text: string; finishReason: 'stop' | 'content_filter' } };

interface Pending {
  call: GuardedCall;
  reached: boolean;
}

/**
 * Runs the generation calls of guarded retrieve-and-generate requests through the gateway so that the policy's
 * interventions land on the invocation record of that call, exactly as on a guarded route: the gateway records
 * `ctx.guardrail` when the call finishes, so the answer's OUTPUT check runs inside the pipeline, in `step`, not
 * after `gateway.chat` returns. A call is matched to its guard by its request object (the gateway keeps the
 * caller's object as `ctx.req`), which needs no field on the gateway's request type; any other request passes
 * through untouched. strata.ts installs `step` right after the route guardrail step (before the cache, budgets
 * and limits: a blocked question costs nothing and is not cached).
 */
export class GuardedGenerations {
  readonly #pending = new WeakMap<GatewayChatRequest, Pending>();

  /** The gateway step; a pass-through (no asynchronous hop of its own) for every request `chat` did not register. */
  readonly step: Step = (ctx, next) => {
    const pending = this.#pending.get(ctx.req);
    return pending === undefined ? next() : this.#guarded(ctx, next, pending);
  };

  async #guarded(ctx: ChatContext, next: Next, pending: Pending): Promise<void> {
    pending.reached = true;
    const { call } = pending;
    const trace = call.guard.trace;
    // set last by this step (after a route policy's step, if the answer route has one): the record carries the knowledge base's
    ctx.guardrail = trace;
    if ('without' in call) {
      answerWithoutModel(ctx, call.without.text, call.without.finishReason, { guardrail: trace });
      return;
    }
    await next();
    if (ctx.meta) ctx.meta.guardrail = trace;
    const r = ctx.result;
    // a content_filter answer was already replaced by a route policy's message: nothing of the model's is left to check
    if (r === undefined || r.text === '' || r.finishReason === 'content_filter') return;
    const verdict = await call.checkAnswer(r.text);
    // a new result object: a cached answer must stay as it was
    if (verdict.blockedMessage !== undefined) ctx.result = { ...r, text: verdict.blockedMessage, toolCalls: [], finishReason: 'content_filter' };
    else if (verdict.text !== r.text) ctx.result = { ...r, text: verdict.text };
  }

  /** `gateway.chat(req)` served by the guard step as `call` says. */
  async chat(gateway: ChatGateway, req: GatewayChatRequest, call: GuardedCall): Promise<GatewayChatResponse> {
    const pending: Pending = { call, reached: false };
    this.#pending.set(req, pending);
    try {
      const res = await gateway.chat(req);
      // without the step the policy's output side never ran: refuse rather than return an unchecked answer
      if (!pending.reached) throw new StrataError('internal', 'The knowledge base guardrail step is not installed in the gateway pipeline, so the answer could not be checked.');
      return res;
    } finally {
      this.#pending.delete(req);
    }
  }
}
