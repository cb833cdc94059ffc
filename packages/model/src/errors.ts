/**
 * The one error class of Palisade. `code` is stable and machine-readable;
 * `cause` keeps the underlying error; `fields` carries context (key, policy, field…).
 */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_VALUE'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAVAILABLE'
  /** etcd refused this identity: wrong credentials or a missing role permission. Needs a human. */
  | 'PERMISSION_DENIED'
  | 'TIMEOUT'
  | 'EXEC_FAILED'
  | 'INTERNAL';

export class PalisadeError extends Error {
  readonly code: ErrorCode;
  readonly fields: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { cause?: unknown; fields?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PalisadeError';
    this.code = code;
    this.fields = opts.fields ?? {};
  }
}

export function isPalisadeError(err: unknown, code?: ErrorCode): err is PalisadeError {
  return err instanceof PalisadeError && (code === undefined || err.code === code);
}

/** A short printable description of any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
