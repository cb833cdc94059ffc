import { PalisadeError } from '../errors.js';
import type { ErrorCode } from '../errors.js';

/**
 * Runs `fn`, which must throw a PalisadeError with `code`, and returns that error so
 * a test can assert on its message and fields. Throws (failing the test) otherwise.
 */
export function catchPalisadeError(fn: () => unknown, code?: ErrorCode): PalisadeError {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof PalisadeError))
      throw new Error(`expected a PalisadeError, got ${String(err)}`);
    if (code !== undefined && err.code !== code)
      throw new Error(`expected PalisadeError code ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  throw new Error('expected a PalisadeError, but nothing was thrown');
}
