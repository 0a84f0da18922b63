import type { StopReason, TokenUsage } from '@aws-sdk/client-bedrock-runtime';
import type { FinishReason, Usage } from '../../core/index.js';

/**
 * Server-side Bedrock Runtime shapes, shared by everything that *answers* in the Bedrock wire format
 * (Strata's own /model/{id}/converse endpoints and the Bedrock-protocol simulator).
 */

/** HTTP status Bedrock Runtime answers each exception with (as modelled in the AWS SDK). */
export const BEDROCK_EXCEPTION_STATUS: Readonly<Record<string, number>> = {
  ThrottlingException: 429,
  ServiceUnavailableException: 503,
  ModelNotReadyException: 429,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  InternalServerException: 500,
  ValidationException: 400,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  ResourceNotFoundException: 404,
  ServiceQuotaExceededException: 400,
};

/** An AWS restJson1 error: the SDK picks the exception class from `x-amzn-errortype` and reads `message`. */
export function awsErrorResponse(name: string, message: string, requestId: string): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
  return {
    status: BEDROCK_EXCEPTION_STATUS[name] ?? 500,
    headers: { 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': requestId },
    body: { message },
  };
}

/** Our finish reason → the Converse stop reason (the inverse of mapStopReason). */
export function toStopReason(r: FinishReason): StopReason {
  switch (r) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'content_filtered';
    default:
      return 'end_turn';
  }
}

/** Our usage → Converse TokenUsage; Bedrock counts cached prompt tokens apart from inputTokens. */
export function toTokenUsage(u: Usage): TokenUsage {
  return {
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    totalTokens: u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens,
    cacheReadInputTokens: u.cacheReadTokens,
    cacheWriteInputTokens: u.cacheWriteTokens,
  };
}

/** A Converse response body around already-built content blocks. */
export function converseResponseBody(content: unknown[], stopReason: StopReason, usage: TokenUsage | Record<string, number>, latencyMs: number) {
  return {
    output: { message: { role: 'assistant', content } },
    stopReason,
    usage,
    metrics: { latencyMs },
  };
}
