/** palisadectl's documented exit codes (docs/cli.md). */
import { isPalisadeError } from '@palisade/model';

export const EXIT = {
  OK: 0,
  /** Anything unexpected; also `explain --exit-code` when blocked. */
  FAILURE: 1,
  /** Bad flags, arguments or config. */
  USAGE: 2,
  /** The named object does not exist. */
  NOT_FOUND: 3,
  /** etcd could not be reached. */
  UNAVAILABLE: 4,
  /** `status`: an agent is missing, behind or in error (or `--wait` timed out). */
  UNHEALTHY: 5,
  /** etcd refused the credentials, or the user's roles do not allow the operation. */
  PERMISSION_DENIED: 6,
} as const;

export function exitCodeFor(err: unknown): number {
  if (!isPalisadeError(err)) return EXIT.FAILURE;
  switch (err.code) {
    case 'INVALID_INPUT':
      return EXIT.USAGE;
    case 'NOT_FOUND':
      return EXIT.NOT_FOUND;
    case 'UNAVAILABLE':
      return EXIT.UNAVAILABLE;
    case 'PERMISSION_DENIED':
      return EXIT.PERMISSION_DENIED;
    case 'INVALID_VALUE':
    case 'CONFLICT':
    case 'TIMEOUT':
    case 'EXEC_FAILED':
    case 'INTERNAL':
      return EXIT.FAILURE;
  }
}
