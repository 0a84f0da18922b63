import { countTokens, type ChatChunk, type Usage } from '../core/index.js';
import type { GuardrailTrace } from '../gateway/index.js';
import type { GatewayMetrics } from '../observe/index.js';
import type { GuardrailTextBlock } from './bedrock/adapter.js';
import type { PseudonymTable } from './pii/index.js';
import type { GuardrailPolicy } from './policy.js';
import { SentenceSegmenter } from './sentence-segmenter.js';
import { addInterventions, groundingScores } from './trace.js';

/**
 * Characters of already checked text each check sees again, so that a finding split across two sentences
 * (an address with "St." in it, a phrase across a forced cut) is seen whole: longer than any PII entity the
 * detector is built for plus its context.
 */
const CONTEXT_CHARS = 320;

export interface StreamGuardOptions {
  policy: GuardrailPolicy;
  trace: GuardrailTrace;
  /** the request's table, shared with the input side */
  pseudonyms: PseudonymTable;
  /** grounding sources and the question; empty when the answer is not grounded */
  grounding: GuardrailTextBlock[];
  metrics?: GatewayMetrics;
  signal?: AbortSignal;
  /** the usage to report when a block cuts the stream before the upstream's own arrives */
  estimateUsage: (outputTokens: number) => Usage;
}

/**
 * Guards a streamed answer. Text is released sentence by sentence: each sentence (with the tail of the one
 * before) goes through the policy's checks first, then through the PII stream redactor, which holds back text
 * until no entity can straddle what it sends. A block stops forwarding: the client gets the policy's message
 * and `content_filter`, and the upstream stream is closed. A grounding check that blocks needs the whole
 * answer, so on such routes the answer is released only once it has been scored.
 */
export async function* guardStream(upstream: AsyncIterable<ChatChunk>, o: StreamGuardOptions): AsyncGenerator<ChatChunk> {
  if (o.grounding.length > 0 && o.policy.groundingBlocks()) {
    yield* guardWholeStream(upstream, o);
    return;
  }
  const redactor = o.policy.outputStreamRedactor(o.pseudonyms);
  const sentences = new SentenceSegmenter();
  let context = '';
  let received = '';
  let forwarded = false;
  /** the blocked message if this sentence is blocked */
  const check = async (sentence: string): Promise<string | undefined> => {
    const window = context + sentence;
    context = window.slice(-CONTEXT_CHARS);
    // no shared table: these outputs are discarded (the redactor numbers what is sent)
    const res = await o.policy.apply('OUTPUT', [{ text: window }], { signal: o.signal });
    addInterventions(o.trace, 'output', res.interventions, o.metrics);
    return res.blockedMessage;
  };
  const release = (sentence: string): ChatChunk | undefined => {
    const text = redactor ? redactor.push(sentence) : sentence;
    if (text === '') return undefined;
    forwarded = true;
    return { type: 'text', text };
  };
  const blocked = (message: string): ChatChunk[] => {
    o.trace.blocked = 'output';
    o.trace.settled = true;
    // what was sent stays sent (as with Bedrock's streaming guardrails); the message ends the answer visibly
    const text = forwarded ? `\n\n${message}` : message;
    return [
      { type: 'text', text },
      { type: 'finish', finishReason: 'content_filter', usage: o.estimateUsage(countTokens(received)) },
    ];
  };

  for await (const chunk of upstream) {
    if (chunk.type === 'tool_call') {
      yield chunk;
      continue;
    }
    if (chunk.type === 'text') {
      received += chunk.text;
      for (const sentence of sentences.push(chunk.text)) {
        const message = await check(sentence);
        if (message !== undefined) {
          // returning from inside for-await closes the upstream stream
          yield* blocked(message);
          return;
        }
        const out = release(sentence);
        if (out) yield out;
      }
      continue;
    }
    const last = sentences.flush();
    if (last !== '') {
      const message = await check(last);
      if (message !== undefined) {
        yield* blocked(message);
        return;
      }
      const out = release(last);
      if (out) yield out;
    }
    const tail = redactor?.flush() ?? '';
    if (tail !== '') yield { type: 'text', text: tail };
    // a grounding check that only annotates runs on the whole answer once it is complete
    if (o.grounding.length > 0 && o.policy.config.grounding !== undefined) {
      // every other check already ran sentence by sentence; a managed Bedrock guardrail scores grounding itself
      const res = o.policy.config.bedrock
        ? await o.policy.apply('OUTPUT', [{ text: received }, ...o.grounding], { signal: o.signal })
        : await o.policy.checkGrounding(o.grounding, received);
      const scored = groundingScores(res);
      if (scored) o.trace.grounding = scored;
      addInterventions(o.trace, 'output', res.interventions.filter((i) => i.check === 'grounding' || i.check === 'relevance'), o.metrics);
    }
    o.trace.settled = true;
    yield chunk;
  }
}

/** Buffers the whole answer, checks it like a non-streamed one (grounding included), then releases it. */
async function* guardWholeStream(upstream: AsyncIterable<ChatChunk>, o: StreamGuardOptions): AsyncGenerator<ChatChunk> {
  let text = '';
  for await (const chunk of upstream) {
    if (chunk.type === 'tool_call') {
      yield chunk;
      continue;
    }
    if (chunk.type === 'text') {
      text += chunk.text;
      continue;
    }
    const res = await o.policy.apply('OUTPUT', [{ text }, ...o.grounding], { pseudonyms: o.pseudonyms, signal: o.signal });
    addInterventions(o.trace, 'output', res.interventions, o.metrics);
    const scored = groundingScores(res);
    if (scored) o.trace.grounding = scored;
    o.trace.settled = true;
    if (res.blockedMessage !== undefined) {
      o.trace.blocked = 'output';
      yield { type: 'text', text: res.blockedMessage };
      yield { ...chunk, finishReason: 'content_filter' };
      return;
    }
    const out = res.action === 'GUARDRAIL_INTERVENED' && res.outputs[0] !== undefined ? res.outputs[0].text : text;
    if (out !== '') yield { type: 'text', text: out };
    yield chunk;
  }
}
