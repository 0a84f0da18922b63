import { StrataError, emptyUsage, type ChatChunk, type ChatModel, type ChatRequest, type ChatResult } from '../../src/core/index.js';

/** What one call to a scripted model does. */
export type Step =
  | { ok: string }
  | { error: StrataError }
  | { hang: true }
  | { streamThenFail: string[]; error: StrataError };

/** A ChatModel that plays a script, one step per call (the last step repeats). For pipeline unit tests. */
export class ScriptedModel implements ChatModel {
  readonly provider = 'scripted';
  calls = 0;
  constructor(readonly modelId: string, private readonly script: Step[]) {}

  #next(): Step {
    const s = this.script[Math.min(this.calls, this.script.length - 1)]!;
    this.calls++;
    return s;
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    const s = this.#next();
    if ('hang' in s) return hang(req.signal);
    if ('streamThenFail' in s) throw s.error;
    if ('error' in s) throw s.error;
    return { text: s.ok, toolCalls: [], finishReason: 'stop', usage: { ...emptyUsage(), inputTokens: 3, outputTokens: 2 }, modelId: this.modelId };
  }

  async *stream(req: ChatRequest): AsyncIterable<ChatChunk> {
    const s = this.#next();
    if ('hang' in s) await hang(req.signal);
    if ('streamThenFail' in s) {
      for (const t of s.streamThenFail) yield { type: 'text', text: t };
      throw s.error;
    }
    if ('error' in s) throw s.error;
    if ('ok' in s) {
      for (const w of s.ok.split(' ')) yield { type: 'text', text: w + ' ' };
      yield { type: 'finish', finishReason: 'stop', usage: { ...emptyUsage(), inputTokens: 3, outputTokens: 2 } };
    }
  }
}

function hang(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true });
  });
}

export const throttled = (): StrataError =>
  new StrataError('upstream_throttled', 'throttled', { retryable: true, fallbackAllowed: true, upstreamType: 'ThrottlingException' });
export const unavailable = (): StrataError =>
  new StrataError('upstream_unavailable', 'unavailable', { retryable: true, fallbackAllowed: true, upstreamType: 'ServiceUnavailableException' });
export const invalid = (): StrataError =>
  new StrataError('upstream_invalid_request', 'bad', { status: 400, upstreamType: 'ValidationException' });
