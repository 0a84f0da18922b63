import type { ChatMessage } from '../../core/index.js';
import { answerWithoutModel, type Step } from '../../gateway/index.js';
import type { Logger } from '../../observe/index.js';
import type { PromptRuntime } from '../../prompts/runtime/index.js';
import type { RetrievalResult, SearchMode } from '../kb/index.js';
import type { RerankParams, RetrieveParams } from '../service-types.js';
import { BUNDLED_PROMPT_REF, buildAnswerPrompt } from './prompt.js';
import { NO_RELEVANT_INFORMATION, bestRelevance } from './relevance.js';

/** `routes.<name>.knowledgeBase` of strata.yaml (validated, defaults filled). */
export interface RouteKnowledgeBase {
  name: string;
  tenant?: string;
  k: number;
  mode: SearchMode;
  rerank?: boolean | { model?: string; topN?: number };
  minRelevance?: number;
}

export interface KnowledgeBaseStepDeps {
  /** route name → its knowledge base */
  routes: ReadonlyMap<string, RouteKnowledgeBase>;
  retrieve(params: RetrieveParams): Promise<RetrievalResult[]>;
  prompts?: PromptRuntime;
  /** `rag.prompt` and `rag.minRelevance` */
  settings: { prompt: string; minRelevance: number };
  logger?: Logger;
}

/** The route's rerank setting as retrieve parameters. */
export function routeRerank(rerank: RouteKnowledgeBase['rerank']): RerankParams | undefined {
  if (rerank === undefined || rerank === false) return undefined;
  if (rerank === true) return {};
  return { ...(rerank.model === undefined ? {} : { model: rerank.model }), ...(rerank.topN === undefined ? {} : { topN: rerank.topN }) };
}


/**
 * The pipeline step of routes with a knowledge base: the last user message is searched (in the caller's tenant,
 * or the tenant the route pins) and replaced by the answer prompt with the numbered sources, so the model answers
 * from them and cites `[n]`. It runs before the cache, so a cached answer is keyed by the sources it was given.
 * When nothing retrieved is relevant enough, it answers "no relevant information" itself without calling a model.
 */
export function createKnowledgeBaseRouteStep(deps: KnowledgeBaseStepDeps): Step {
  return async (ctx, next) => {
    const kb = deps.routes.get(ctx.plan!.name);
    if (kb === undefined) return next();
    const req = ctx.req;
    const at = req.messages.findLastIndex((m) => m.role === 'user');
    const question = at >= 0 ? req.messages[at]!.content : '';
    if (question.trim() === '') return next();
    const tenant = kb.tenant ?? req.caller?.tenant ?? 'default';
    const retrieved = await deps.retrieve({
      tenant,
      knowledgeBase: kb.name,
      query: question,
      k: kb.k,
      mode: kb.mode,
      rerank: routeRerank(kb.rerank),
      caller: req.caller ?? { tenant },
      tags: req.tags,
      signal: req.signal,
    });
    // a guardrail policy with promptAttacks.documents drops passages that carry instructions (indirect injection)
    const keep = ctx.screenDocuments?.(retrieved.map((r) => r.content.text));
    const results = keep === undefined ? retrieved : retrieved.filter((_, i) => keep[i] !== false);
    const minRelevance = kb.minRelevance ?? deps.settings.minRelevance;
    if (results.length === 0 || (minRelevance > 0 && bestRelevance(question, results) < minRelevance)) {
      answerWithoutModel(ctx, NO_RELEVANT_INFORMATION, 'stop');
      return;
    }
    // the output guardrail scores the answer's grounding against exactly what the model was shown
    ctx.groundingSources = results.map((r) => r.content.text);
    const prompt = await buildAnswerPrompt({ runtime: deps.prompts, promptRef: deps.settings.prompt, tenant, query: question, results, logger: deps.logger });
    const rendered: ChatMessage[] = prompt.messages;
    // The request object is this request's own (built by the server or the caller for this call).
    req.messages = [...req.messages.slice(0, at), ...rendered, ...req.messages.slice(at + 1)];
    req.params = { ...prompt.params, ...req.params };
    if (req.prompt === undefined && prompt.ref !== BUNDLED_PROMPT_REF) req.prompt = prompt.ref;
    await next();
  };
}
