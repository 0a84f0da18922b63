import type { Caller, GatewayChatRequest, GatewayChatResponse, ModelEntry } from '../../gateway/index.js';
import { isStopWord, wordTokens } from '../../providers/local/index.js';
import type { ConversationTurn } from './prompt.js';

/** The part of the gateway that answering needs (the Gateway class satisfies it). */
export interface ChatGateway {
  chat(req: GatewayChatRequest): Promise<GatewayChatResponse>;
  readonly catalog: { resolveChat(name: string): { chain: ModelEntry[] } };
}

/** Whether a route or model alias is answered by a generative model (its primary is not the local extractive one). */
export function isGenerative(gateway: ChatGateway, model: string): boolean {
  const primary = gateway.catalog.resolveChat(model).chain[0];
  return primary !== undefined && primary.provider !== 'local';
}

const REWRITE_INSTRUCTIONS =
  'You rewrite follow-up questions. Given a conversation and a follow-up question, write one standalone question ' +
  'that means the same as the follow-up and can be understood without the conversation, keeping every name, ' +
  'number and detail it needs. Reply with the question only.';

/** Rewrites are one question: anything longer is the model talking, not rewriting. */
const MAX_REWRITE_TOKENS = 200;

/**
 * The follow-up with the content words of the previous question that it does not already have. What the local
 * extractive model can do honestly: it cannot rewrite, but "and for phones?" after "How long is the refund window
 * for laptops?" then still searches for refund windows.
 */
export function concatenateWithPrevious(history: readonly ConversationTurn[], question: string): string {
  const previous = history.at(-1)?.question;
  if (previous === undefined) return question;
  const have = new Set(wordTokens(question));
  const added: string[] = [];
  for (const w of wordTokens(previous)) {
    if (isStopWord(w) || have.has(w)) continue;
    have.add(w);
    added.push(w);
  }
  return added.length === 0 ? question : `${question} ${added.join(' ')}`;
}

export interface RewriteOptions {
  gateway: ChatGateway;
  /** the model that rewrites (generative), or undefined to concatenate */
  model: string | undefined;
  history: readonly ConversationTurn[];
  question: string;
  caller: Caller;
  tags: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * A standalone question for retrieval and answering. With no history it is the question itself; with a generative
 * model the model rewrites it (a gateway call like any other, tagged feature=rag-rewrite); otherwise, or when the
 * model returns nothing usable, the previous question's terms are added to it.
 */
export async function standaloneQuestion(opts: RewriteOptions): Promise<{ query: string; rewrittenBy: 'model' | 'concatenation' | 'none' }> {
  if (opts.history.length === 0) return { query: opts.question, rewrittenBy: 'none' };
  if (opts.model === undefined) return { query: concatenateWithPrevious(opts.history, opts.question), rewrittenBy: 'concatenation' };
  const conversation = opts.history.map((t) => `User: ${t.question}\nAssistant: ${t.answer}`).join('\n');
  const res = await opts.gateway.chat({
    model: opts.model,
    messages: [
      { role: 'system', content: REWRITE_INSTRUCTIONS },
      { role: 'user', content: `Conversation:\n${conversation}\n\nFollow-up question: ${opts.question}` },
    ],
    params: { temperature: 0, maxTokens: MAX_REWRITE_TOKENS },
    caller: opts.caller,
    tags: { ...opts.tags, feature: 'rag-rewrite' },
    signal: opts.signal,
  });
  const line = res.result.text
    .trim()
    .split('\n')[0]!
    .replace(/^(?:standalone question|question)\s*:\s*/i, '')
    .replace(/^["'“]+|["'”]+$/g, '')
    .trim();
  if (line === '') return { query: concatenateWithPrevious(opts.history, opts.question), rewrittenBy: 'concatenation' };
  return { query: line, rewrittenBy: 'model' };
}
