import { expect } from 'vitest';
import { StrataError } from '../../../src/core/index.js';

/** The StrataError a synchronous call throws; fails the test if it returns or throws anything else. */
export function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  }
  throw new Error('expected the call to throw');
}
