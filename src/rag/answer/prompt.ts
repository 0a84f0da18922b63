import { StrataError, type ChatMessage, type ChatParams } from '../../core/index.js';
import type { Logger } from '../../observe/index.js';
import { renderPrompt, validatePromptContent, type PromptContent } from '../../prompts/index.js';
import type { PromptRuntime } from '../../prompts/runtime/index.js';
import type { RetrievalResult } from '../kb/index.js';

/** What `AnswerResult.prompt` says when the bundled default wrote the prompt. */
export const BUNDLED_PROMPT_REF = 'bundled:rag-answer';

/** The variables a registry RAG prompt is rendered with (it must declare `search_results`; the others if it uses them). */
export const RAG_PROMPT_VARIABLES = { searchResults: 'search_results', query: 'query', history: 'conversation_history' } as const;

const CITE_INSTRUCTIONS =
  'After each sentence, cite the sources it comes from by their numbers in square brackets, like [1] or [2, 3]. ' +
  'If the sources do not contain the answer, say that you do not know; do not use outside knowledge.';

/**
 * The default answer prompt. One user message: instructions first, then `Sources:` with the numbered passages,
 * then `Question:`. The local extractive model reads exactly this layout (it takes passages from the block after
 * `Sources:` and the question after the last `Question:`, and ignores the instructions above them).
 */
export const BUNDLED_RAG_PROMPT: PromptContent = validatePromptContent(
  {
    name: 'rag-answer',
    type: 'chat',
    description: 'Answers a question from numbered knowledge base passages, citing them as [n].',
    tags: ['rag'],
    variables: {
      search_results: { type: 'string', required: true, description: 'numbered passages: [1] …' },
      query: { type: 'string', required: true },
    },
    model: {},
    messages: [
      {
        role: 'user',
        content: `Answer the question using only the numbered sources below. ${CITE_INSTRUCTIONS}\n\nSources:\n{{search_results}}\n\nQuestion: {{query}}`,
      },
    ],
  },
  'bundled rag-answer prompt',
);

/** Bedrock's `$output_format_instructions$`, in our citation convention. */
const OUTPUT_FORMAT_INSTRUCTIONS = CITE_INSTRUCTIONS;

/**
 * The passages as numbered blocks `[1] …`, separated by blank lines. Blank lines inside a passage are folded
 * (a blank line ends a passage for readers of this layout) and a line of the passage that itself starts like a
 * marker (`[3] …`) is rewritten as `(3) …`, so that passage numbers always mean retrieved chunks.
 */
export function formatSearchResults(results: readonly RetrievalResult[]): string {
  return results
    .map((r, i) => {
      const body = r.content.text
        .replace(/\r\n?/g, '\n')
        .replace(/\n[ \t]*(?:\n[ \t]*)+/g, '\n')
        .replace(/^([ \t]*)\[(\d{1,4})\]/gm, '$1($2)')
        .trim();
      return `[${i + 1}] ${body}`;
    })
    .join('\n\n');
}

export interface ConversationTurn {
  question: string;
  answer: string;
}

function historyText(history: readonly ConversationTurn[]): string {
  return history.map((t) => `User: ${t.question}\nAssistant: ${t.answer}`).join('\n');
}

/** The messages for the answering model, and where they came from. */
export interface AnswerPrompt {
  messages: ChatMessage[];
  params: ChatParams;
  /** `name@version`, `bundled:rag-answer` or `request:promptTemplate` */
  ref: string;
  /** a route the registry prompt asks for */
  route?: string;
}

/**
 * Renders a Bedrock-style prompt template: `$search_results$` (required), `$query$`, `$output_format_instructions$`
 * and `$conversation_history$`. Without `$query$` the template is the system message and the question the user
 * message, as Bedrock sends it.
 */
export function renderBedrockTemplate(template: string, query: string, results: readonly RetrievalResult[], history: readonly ConversationTurn[]): AnswerPrompt {
  if (!template.includes('$search_results$')) {
    throw new StrataError('invalid_request', 'promptTemplate must contain $search_results$ (where the retrieved passages go).');
  }
  const hasQuery = template.includes('$query$');
  // one pass, so a placeholder inside a passage or the question is never expanded again
  const filled = template.replace(/\$(search_results|query|output_format_instructions|conversation_history)\$/g, (_m, name: string) => {
    if (name === 'search_results') return formatSearchResults(results);
    if (name === 'query') return query;
    if (name === 'output_format_instructions') return OUTPUT_FORMAT_INSTRUCTIONS;
    return historyText(history);
  });
  const messages: ChatMessage[] = hasQuery ? [{ role: 'user', content: filled }] : [{ role: 'system', content: filled }, { role: 'user', content: query }];
  return { messages, params: {}, ref: 'request:promptTemplate' };
}

function renderContent(content: PromptContent, ref: string, query: string, results: readonly RetrievalResult[], history: readonly ConversationTurn[]): AnswerPrompt {
  const declared = content.variables;
  if (!Object.hasOwn(declared, RAG_PROMPT_VARIABLES.searchResults)) {
    throw new StrataError(
      'invalid_request',
      `Prompt ${ref} cannot answer from a knowledge base: it does not declare the variable '${RAG_PROMPT_VARIABLES.searchResults}' (the numbered passages). ` +
        `Add it to the prompt's variables and use {{${RAG_PROMPT_VARIABLES.searchResults}}} in its messages.`,
    );
  }
  const variables: Record<string, unknown> = { [RAG_PROMPT_VARIABLES.searchResults]: formatSearchResults(results) };
  if (Object.hasOwn(declared, RAG_PROMPT_VARIABLES.query)) variables[RAG_PROMPT_VARIABLES.query] = query;
  if (Object.hasOwn(declared, RAG_PROMPT_VARIABLES.history)) variables[RAG_PROMPT_VARIABLES.history] = historyText(history);
  const rendered = renderPrompt(content, variables, ref);
  const messages: ChatMessage[] = rendered.messages.map((m) => ({ role: m.role, content: m.content }));
  // a prompt that does not take the question as a variable gets it as the last user message
  if (!Object.hasOwn(declared, RAG_PROMPT_VARIABLES.query)) messages.push({ role: 'user', content: query });
  const out: AnswerPrompt = { messages, params: rendered.params, ref };
  if (rendered.route !== undefined) out.route = rendered.route;
  return out;
}

export interface BuildAnswerPromptOptions {
  runtime?: PromptRuntime;
  /** `rag.prompt` (e.g. rag-answer@production) */
  promptRef?: string;
  tenant: string;
  query: string;
  results: readonly RetrievalResult[];
  history?: readonly ConversationTurn[];
  /** a Bedrock-style template from the request: wins over the registry */
  promptTemplate?: string;
  logger?: Logger;
}

/**
 * The answer prompt: the request's Bedrock-style template when given; else the tenant's registry prompt named
 * by `rag.prompt`; else the bundled default. A registry that answers "no such prompt or label" means the tenant
 * did not customise it; a registry that cannot be reached also falls back to the bundled prompt (logged).
 */
export async function buildAnswerPrompt(opts: BuildAnswerPromptOptions): Promise<AnswerPrompt> {
  const history = opts.history ?? [];
  if (opts.promptTemplate !== undefined) return renderBedrockTemplate(opts.promptTemplate, opts.query, opts.results, history);
  if (opts.runtime !== undefined && opts.promptRef !== undefined) {
    try {
      const version = await opts.runtime.get(opts.promptRef, { tenant: opts.tenant });
      return renderContent(version.content, `${version.name}@${version.version}`, opts.query, opts.results, history);
    } catch (e) {
      const notThere = e instanceof StrataError && (e.code === 'not_found' || e.status === 404);
      if (!notThere) {
        if (e instanceof StrataError && e.status < 500) throw e;
        opts.logger?.warn({ prompt: opts.promptRef, tenant: opts.tenant, err: { message: e instanceof Error ? e.message : String(e) } }, 'rag prompt could not be read; using the bundled default');
      }
    }
  }
  return renderContent(BUNDLED_RAG_PROMPT, BUNDLED_PROMPT_REF, opts.query, opts.results, history);
}
