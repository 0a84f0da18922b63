import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

let encoder: Tiktoken | undefined;

function getEncoder(): Tiktoken {
  encoder ??= new Tiktoken(cl100k);
  return encoder;
}

/** Token ids of text under cl100k_base. Special-token text is treated as plain text. */
export function encodeTokens(text: string): number[] {
  return getEncoder().encode(text, [], []);
}

/** Text of token ids under cl100k_base. */
export function decodeTokens(tokens: number[]): string {
  return getEncoder().decode(tokens);
}

/** Number of cl100k_base tokens in text (an estimate for non-OpenAI models). */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return getEncoder().encode(text, [], []).length;
}
