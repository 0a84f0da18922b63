import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const JSON_TYPE = { type: 'string', value: 'application/json' } as const;

/** One `application/vnd.amazon.eventstream` event frame, as ConverseStream sends them. */
export function encodeEvent(eventType: string, payload: unknown): Uint8Array {
  const headers: MessageHeaders = {
    ':event-type': { type: 'string', value: eventType },
    ':content-type': JSON_TYPE,
    ':message-type': { type: 'string', value: 'event' },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

/**
 * An exception frame. `exceptionType` is the camel-cased union member the SDK knows
 * (modelStreamErrorException, throttlingException, …).
 */
export function encodeException(exceptionType: string, payload: unknown): Uint8Array {
  const headers: MessageHeaders = {
    ':exception-type': { type: 'string', value: exceptionType },
    ':content-type': JSON_TYPE,
    ':message-type': { type: 'string', value: 'exception' },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}
