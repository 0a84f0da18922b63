import {
  StrataError,
  countMessageTokens,
  countTokens,
  decodeTokens,
  encodeTokens,
  type ChatChunk,
  type ChatMessage,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  type FinishReason,
} from '../../core/index.js';
import { analyzeTerms, bm25Scores, splitSentences, stemWord, wordTokens } from './text.js';

/**
 * Strata's offline model. It is extractive, not generative: it answers with the context sentences that best
 * match the question (BM25), citing numbered passages, and says so plainly when it has nothing to extract.
 */

const PROVIDER = 'local';
const MODEL_ID = 'extractive';
const DEFAULT_TOP_SENTENCES = 3;
/** Sentences scoring below this share of the best one are left out: they match only incidental words. */
const MIN_RELATIVE_SCORE = 0.5;
/** Shorter fragments are titles and labels, not answers. */
const MIN_ANSWER_WORDS = 3;
const WORDS_PER_STREAM_CHUNK = 4;

const NOTICE_PREFIX = "This is Strata's offline extractive model";
const CONFIGURE_HINT =
  'For generated answers, configure a generative model in strata.yaml: a `models:` entry with `provider: bedrock` ' +
  'or `provider: openai`.';
const NO_CONTEXT_ANSWER =
  `${NOTICE_PREFIX} (local/extractive). It does not generate text: it only answers with sentences taken from ` +
  `context in the conversation, and this conversation contains no context to answer from. ${CONFIGURE_HINT}`;
const NOTHING_RELEVANT_ANSWER =
  `${NOTICE_PREFIX} (local/extractive). It does not generate text: it only answers with sentences taken from ` +
  `context in the conversation, and it found none relevant to the question. ${CONFIGURE_HINT}`;

// Words of RAG prompt scaffolding that say nothing about the topic of the question.
const QUERY_NOISE: ReadonlySet<string> = new Set(
  [
    'answer', 'answers', 'question', 'context', 'use', 'using', 'based', 'provided', 'following', 'passage',
    'passages', 'source', 'sources', 'document', 'documents', 'only', 'given', 'below', 'cite', 'citation',
  ].map(stemWord),
);

const CONTEXT_LABEL = /^[ \t]*(?:#{1,6}[ \t]*)?(?:context|sources|passages|documents|references|search results)[ \t]*:/im;
const QUESTION_LABEL = /^[ \t]*(?:#{1,6}[ \t]*)?(?:question|query|q)[ \t]*:/gim;
const PASSAGE_MARKER = /^[ \t]*(?:\[(\d{1,4})\]|source[ \t]+(\d{1,4})[ \t]*[:.)\]-])[ \t]*/i;

interface Segment {
  text: string;
  /** passage number for citations, when the text came from a numbered passage */
  passage?: number;
}

interface Candidate {
  text: string;
  passage: number | undefined;
  order: number;
  score: number;
}

function lastQuestionLabel(text: string): RegExpExecArray | null {
  QUESTION_LABEL.lastIndex = 0;
  let last: RegExpExecArray | null = null;
  let m: RegExpExecArray | null;
  while ((m = QUESTION_LABEL.exec(text)) !== null) last = m;
  return last;
}

/** Splits text into numbered passages (`[n] …`, `Source n: …`) and unnumbered text around them. */
function passageSegments(text: string, out: Segment[]): boolean {
  const lines = text.split('\n');
  let found = false;
  let current: Segment | undefined;
  let loose: string[] = [];
  const flushLoose = (): void => {
    if (loose.length > 0) out.push({ text: loose.join('\n') });
    loose = [];
  };
  for (const line of lines) {
    const m = PASSAGE_MARKER.exec(line);
    if (m) {
      found = true;
      flushLoose();
      current = { text: line.slice(m[0].length), passage: Number(m[1] ?? m[2]) };
      out.push(current);
    } else if (current && line.trim().length > 0) {
      current.text += '\n' + line;
    } else {
      // A blank line ends a passage; what follows is ordinary text (often the question itself).
      current = undefined;
      loose.push(line);
    }
  }
  flushLoose();
  return found;
}

/** Separates the last user message into its question and any context block it carries. */
function splitLastUserMessage(content: string, context: Segment[]): string {
  const q = lastQuestionLabel(content);
  const c = CONTEXT_LABEL.exec(content);
  if (c) {
    const cEnd = c.index + c[0].length;
    if (q && q.index > c.index) {
      passageSegments(content.slice(cEnd, q.index), context);
      return content.slice(q.index + q[0].length);
    }
    if (q) {
      passageSegments(content.slice(cEnd), context);
      return content.slice(q.index + q[0].length, c.index);
    }
    // "Context: …passages…" followed, after a blank line, by an unlabelled question: the text after the
    // last passage (or the last paragraph, when it asks something) is the question.
    const tail: Segment[] = [];
    const numbered = passageSegments(content.slice(cEnd), tail);
    let trailing = '';
    if (numbered) {
      let lastPassage = -1;
      tail.forEach((s, i) => {
        if (s.passage !== undefined) lastPassage = i;
      });
      tail.forEach((s, i) => {
        if (i > lastPassage) trailing += `${s.text}\n`;
        else context.push(s);
      });
    } else {
      const paras = content.slice(cEnd).split(/\n[ \t]*\n/);
      const last = paras.length > 1 ? paras[paras.length - 1]! : '';
      if (last.trim().endsWith('?')) {
        trailing = last;
        paras.pop();
      }
      context.push({ text: paras.join('\n\n') });
    }
    return `${content.slice(0, c.index)}\n${trailing}`;
  }
  if (q) {
    passageSegments(content.slice(0, q.index), context);
    return content.slice(q.index + q[0].length);
  }
  const segs: Segment[] = [];
  if (!passageSegments(content, segs)) return content;
  const question: string[] = [];
  for (const s of segs) {
    if (s.passage === undefined) question.push(s.text);
    else context.push(s);
  }
  return question.join('\n');
}

function messageText(m: ChatMessage): string {
  if (!m.toolCalls || m.toolCalls.length === 0) return m.content;
  let s = m.content;
  for (const call of m.toolCalls) s += '\n' + call.name + ' ' + call.arguments;
  return s;
}

/** Finds the question and the context sentences of a conversation. */
function gatherCandidates(messages: readonly ChatMessage[]): { question: string; candidates: Candidate[] } {
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') {
      lastUser = i;
      break;
    }
  }
  const segments: Segment[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    // Our own earlier "nothing to extract" notices are not context.
    if (i === lastUser || (m.role === 'assistant' && m.content.startsWith(NOTICE_PREFIX))) continue;
    passageSegments(messageText(m), segments);
  }
  const question = lastUser >= 0 ? splitLastUserMessage(messages[lastUser]!.content, segments) : '';
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (const seg of segments) {
    for (const sentence of splitSentences(seg.text)) {
      if (seen.has(sentence) || wordTokens(sentence).length < MIN_ANSWER_WORDS) continue;
      seen.add(sentence);
      candidates.push({ text: sentence, passage: seg.passage, order: candidates.length, score: 0 });
    }
  }
  return { question, candidates };
}

function queryTerms(question: string): string[] {
  const terms = analyzeTerms(question);
  const useful = terms.filter((t) => !QUERY_NOISE.has(t));
  return useful.length > 0 ? useful : terms;
}

function withCitation(c: Candidate): string {
  return c.passage === undefined ? c.text : `${c.text} [${c.passage}]`;
}

/** Cuts text at the first stop sequence, if any. */
function applyStop(text: string, stop: readonly string[] | undefined): string {
  if (!stop) return text;
  let end = text.length;
  for (const s of stop) {
    if (s.length === 0) continue;
    const at = text.indexOf(s);
    if (at >= 0 && at < end) end = at;
  }
  return end === text.length ? text : text.slice(0, end).trimEnd();
}

function truncateToTokens(text: string, maxTokens: number): string {
  return decodeTokens(encodeTokens(text).slice(0, maxTokens)).trimEnd();
}

interface Answer {
  text: string;
  finishReason: FinishReason;
}

function answerFor(req: ChatRequest): Answer {
  const maxTokens = req.params.maxTokens;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw new StrataError('invalid_request', 'maxTokens must be a positive integer.');
  }
  const { question, candidates } = gatherCandidates(req.messages);
  let text: string;
  let finishReason: FinishReason = 'stop';
  const scores = bm25Scores(
    candidates.map((c) => analyzeTerms(c.text)),
    queryTerms(question),
  );
  let best = 0;
  for (let i = 0; i < candidates.length; i++) {
    candidates[i]!.score = scores[i]!;
    if (scores[i]! > best) best = scores[i]!;
  }
  if (best <= 0) {
    text = candidates.length === 0 ? NO_CONTEXT_ANSWER : NOTHING_RELEVANT_ANSWER;
    if (maxTokens !== undefined && countTokens(text) > maxTokens) {
      text = truncateToTokens(text, maxTokens);
      finishReason = 'length';
    }
  } else {
    const ranked = candidates
      .filter((c) => c.score >= best * MIN_RELATIVE_SCORE)
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .slice(0, DEFAULT_TOP_SENTENCES);
    const chosen: Candidate[] = [];
    let used = 0;
    for (const c of ranked) {
      const cost = countTokens(withCitation(c)) + (chosen.length > 0 ? 1 : 0);
      if (maxTokens === undefined || used + cost <= maxTokens) {
        chosen.push(c);
        used += cost;
        continue;
      }
      finishReason = 'length';
      if (chosen.length === 0) chosen.push({ ...c, text: truncateToTokens(withCitation(c), maxTokens), passage: undefined });
      break;
    }
    chosen.sort((a, b) => a.order - b.order);
    text = chosen.map(withCitation).join(' ');
  }
  const stopped = applyStop(text, req.params.stop);
  if (stopped !== text) return { text: stopped, finishReason: 'stop' };
  return { text, finishReason };
}

function abortedError(): StrataError {
  return new StrataError('upstream_timeout', 'The request was aborted before the model answered.', {
    retryable: true,
    fallbackAllowed: true,
  });
}

function usageFor(req: ChatRequest, answer: string): ChatResult['usage'] {
  return { inputTokens: countMessageTokens(req.messages), outputTokens: countTokens(answer), cacheReadTokens: 0, cacheWriteTokens: 0 };
}

function chat(req: ChatRequest): ChatResult {
  if (req.signal?.aborted) throw abortedError();
  // Tools are ignored on purpose: an extractive model cannot decide to call one.
  const answer = answerFor(req);
  return {
    text: answer.text,
    toolCalls: [],
    finishReason: answer.finishReason,
    usage: usageFor(req, answer.text),
    modelId: MODEL_ID,
  };
}

/** Splits an answer into chunks of a few words, keeping the whitespace so the chunks concatenate back exactly. */
function wordGroups(text: string): string[] {
  const words = text.match(/\s*\S+/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += WORDS_PER_STREAM_CHUNK) {
    out.push(words.slice(i, i + WORDS_PER_STREAM_CHUNK).join(''));
  }
  return out;
}

function* answerChunks(req: ChatRequest): Generator<ChatChunk> {
  const result = chat(req);
  for (const piece of wordGroups(result.text)) {
    if (req.signal?.aborted) throw abortedError();
    yield { type: 'text', text: piece };
  }
  yield { type: 'finish', finishReason: result.finishReason, usage: result.usage };
}

/** The answer as an async stream; the work happens on the first next(), so errors surface while iterating. */
function streamAnswer(req: ChatRequest): AsyncIterable<ChatChunk> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
      const chunks = answerChunks(req);
      return {
        next: () => {
          try {
            return Promise.resolve(chunks.next());
          } catch (e) {
            return Promise.reject(e instanceof Error ? e : new Error(String(e)));
          }
        },
        return: () => Promise.resolve(chunks.return(undefined)),
      };
    },
  };
}

/** The local extractive answerer (provider 'local', model 'extractive'): answers only from conversation context. */
export function createLocalExtractiveModel(): ChatModel {
  return {
    provider: PROVIDER,
    modelId: MODEL_ID,
    chat: (req) => {
      try {
        return Promise.resolve(chat(req));
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
    stream: (req) => streamAnswer(req),
  };
}
