import { ConverseCommand, ConverseStreamCommand, type ConverseStreamOutput, type StopReason, type TokenUsage } from '@aws-sdk/client-bedrock-runtime';
import { StrataError, type ChatChunk, type ChatModel, type ChatRequest, type ChatResult } from '../../core/index.js';
import { bedrockClientFor, resolveEndpoint, resolveRegion } from './client.js';
import { mapBedrockError } from './errors.js';
import { fromConverseOutput, mapStopReason, mapUsage, toConverseInput } from './mapping.js';

export interface BedrockChatModelOptions {
  /** foundation model id, inference profile id or application inference profile ARN, passed through */
  modelId: string;
  region?: string;
  /** else env STRATA_BEDROCK_ENDPOINT, else the AWS endpoint for the region */
  endpoint?: string;
  /** the gateway's name for this model */
  alias?: string;
}

/** A ChatModel over Bedrock's Converse / ConverseStream APIs (provider 'bedrock'). */
export function createBedrockChatModel(opts: BedrockChatModelOptions): ChatModel {
  const modelId = opts.modelId;
  if (modelId.trim() === '') throw new StrataError('config_invalid', 'A Bedrock model needs a modelId.');
  const client = bedrockClientFor(resolveRegion(opts.region), resolveEndpoint(opts.endpoint));

  async function chat(req: ChatRequest): Promise<ChatResult> {
    const input = toConverseInput(modelId, req.messages, req.params);
    try {
      const out = await client.send(new ConverseCommand(input), { abortSignal: req.signal });
      return fromConverseOutput(out, modelId);
    } catch (e) {
      throw mapBedrockError(e, modelId);
    }
  }

  async function* stream(req: ChatRequest): AsyncGenerator<ChatChunk> {
    const input = toConverseInput(modelId, req.messages, req.params);
    let events: AsyncIterable<ConverseStreamOutput>;
    try {
      const out = await client.send(new ConverseStreamCommand(input), { abortSignal: req.signal });
      if (out.stream === undefined) {
        throw new StrataError('upstream_stream_error', `Bedrock model ${modelId} returned no event stream. Retry the request.`, { retryable: true, fallbackAllowed: true });
      }
      events = out.stream;
    } catch (e) {
      throw mapBedrockError(e, modelId);
    }
    let stopReason: StopReason | undefined;
    let usage: TokenUsage | undefined;
    // Converse numbers content blocks across text and tools; chunks number tool calls only, like OpenAI.
    const toolIndexByBlock = new Map<number, number>();
    try {
      for await (const ev of events) {
        if (ev.contentBlockDelta !== undefined) {
          const d = ev.contentBlockDelta.delta;
          if (d?.text !== undefined) {
            if (d.text !== '') yield { type: 'text', text: d.text };
          } else if (d?.toolUse !== undefined) {
            const index = toolIndexByBlock.get(ev.contentBlockDelta.contentBlockIndex ?? 0) ?? 0;
            yield { type: 'tool_call', index, argumentsDelta: d.toolUse.input ?? '' };
          }
        } else if (ev.contentBlockStart?.start?.toolUse !== undefined) {
          const t = ev.contentBlockStart.start.toolUse;
          const index = toolIndexByBlock.size;
          toolIndexByBlock.set(ev.contentBlockStart.contentBlockIndex ?? 0, index);
          yield { type: 'tool_call', index, id: t.toolUseId, name: t.name, argumentsDelta: '' };
        } else if (ev.messageStop !== undefined) {
          stopReason = ev.messageStop.stopReason;
        } else if (ev.metadata !== undefined) {
          usage = ev.metadata.usage;
        } else {
          // Exception members arrive as events when the SDK does not throw them itself.
          const ex = ev.modelStreamErrorException ?? ev.throttlingException ?? ev.serviceUnavailableException ?? ev.validationException ?? ev.internalServerException;
          if (ex !== undefined) throw ex;
        }
      }
    } catch (e) {
      throw streamError(e, modelId);
    }
    if (stopReason === undefined) {
      throw new StrataError('upstream_stream_error', `The Bedrock stream for model ${modelId} ended before the model finished. Retry the request.`, {
        retryable: true,
        fallbackAllowed: true,
        upstreamType: 'IncompleteStream',
      });
    }
    yield { type: 'finish', finishReason: mapStopReason(stopReason), usage: mapUsage(usage) };
  }

  return { provider: 'bedrock', modelId, chat, stream };
}

/**
 * Errors inside a stream: Bedrock exceptions keep their own mapping (a throttle is still a throttle);
 * a cut connection or unreadable frame becomes upstream_stream_error. Whether a retry is safe after
 * tokens went out is the gateway's call.
 */
function streamError(e: unknown, modelId: string): StrataError {
  const mapped = mapBedrockError(e, modelId);
  if (mapped.code !== 'upstream_connection' && mapped.code !== 'upstream_internal') return mapped;
  if (mapped.upstreamType !== undefined && mapped.upstreamType === 'InternalServerException') return mapped;
  return new StrataError('upstream_stream_error', `The Bedrock stream for model ${modelId} broke mid-response. Retry the request.`, {
    retryable: true,
    fallbackAllowed: true,
    upstreamType: mapped.upstreamType,
    cause: e,
    details: { modelId },
  });
}
