import type { ChatMessage } from '../../core/index.js';
import type { Step } from '../../gateway/index.js';
import { renderPrompt } from '../template.js';
import type { PromptRuntime } from './prompt-runtime.js';

/** The variable a route's prompt receives the caller's last user message in, when it declares one. */
export const INPUT_VARIABLE = 'input';

/**
 * The pipeline step for routes bound to a prompt (`routes.<name>.prompt: support/answer@production`).
 * The contract, kept small so any OpenAI client can use it unchanged:
 * - variables come from the request's `strata_variables` object;
 * - when the prompt declares a variable `input` that is not given, the last user message fills it
 *   and is not sent again;
 * - the rendered messages come first, then the caller's remaining messages;
 * - the prompt's parameters are defaults, the request's own win;
 * - the resolved `name@version` goes on the record and in x-strata-prompt.
 * It runs right after route resolution, so the cache, limits and budgets see the rendered request.
 */
export function createRoutePromptStep(runtime: PromptRuntime, routePrompts: ReadonlyMap<string, string>): Step {
  return async (ctx, next) => {
    const ref = routePrompts.get(ctx.plan!.name);
    if (ref === undefined) return next();
    const req = ctx.req;
    const subject = req.subject ?? req.caller?.keyId ?? ctx.invocationId;
    const { version, experiment } = await runtime.choose(ref, { tenant: req.caller?.tenant ?? 'default', subject });
    if (experiment) req.experiment = experiment;
    const variables: Record<string, unknown> = { ...req.variables };
    let rest: ChatMessage[] = req.messages;
    if (Object.hasOwn(version.content.variables, INPUT_VARIABLE) && variables[INPUT_VARIABLE] === undefined) {
      const i = rest.findLastIndex((m) => m.role === 'user');
      if (i >= 0) {
        variables[INPUT_VARIABLE] = rest[i]!.content;
        rest = rest.filter((_, j) => j !== i);
      }
    }
    const rendered = renderPrompt(version.content, variables, `${version.name}@${version.version}`);
    // The request object is this request's own (built by the server or the caller for this call).
    req.messages = [...rendered.messages.map((m): ChatMessage => ({ role: m.role, content: m.content })), ...rest];
    req.params = { ...rendered.params, ...req.params };
    req.prompt = rendered.ref;
    await next();
  };
}
