import { expect } from 'vitest';
import { StrataError } from '../../src/core/index.js';

/** The StrataError a promise rejects with; fails the test if it resolves or throws anything else. */
export async function caught(p: Promise<unknown>): Promise<StrataError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  }
  throw new Error('expected the call to fail');
}

/** Whatever a promise rejects with (an SDK's own error class, say); fails the test if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}
