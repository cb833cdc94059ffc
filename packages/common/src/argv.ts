import { PalisadeError } from '@palisade/model';

/** The part of a commander Command that parsing needs (common does not depend on commander). */
export interface ParsableProgram {
  parse(argv: readonly string[], opts: { from: 'user' }): unknown;
}

/**
 * Parses `argv` with env-var fallbacks read from `env` instead of the real
 * process.env (commander reads process.env directly), so configs are testable.
 * Usage errors become PalisadeError('INVALID_INPUT').
 */
export function parseArgvWithEnv(
  program: ParsableProgram,
  argv: readonly string[],
  env: Record<string, string | undefined>,
): void {
  const saved = process.env;
  try {
    process.env = env;
    program.parse(argv, { from: 'user' });
  } catch (err) {
    throw new PalisadeError('INVALID_INPUT', (err as Error).message, { cause: err });
  } finally {
    process.env = saved;
  }
}
