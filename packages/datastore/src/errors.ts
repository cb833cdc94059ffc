/** Maps etcd3/gRPC failures and zod issues to PalisadeError, with the context callers need. */
import { PalisadeError, errorMessage, isPalisadeError } from '@palisade/model';
import type { Logger } from '@palisade/common';
import {
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  isRecoverableError,
} from 'etcd3';
import { isBrokenCircuitError } from 'cockatiel';
import type { z } from 'zod';

/** What a failed etcd call was doing, for the error message. */
export interface EtcdCallContext {
  endpoints: string[];
  op: string;
  /** The key or prefix the call touched, when there is one. */
  key?: string | undefined;
  /** The etcd user the client authenticates as; undefined when it sends no credentials. */
  user?: string | undefined;
}

/** Why etcd refused: `fields.kind` of a PERMISSION_DENIED error. */
export type PermissionDeniedKind = 'denied' | 'bad-credentials' | 'no-credentials' | 'auth-disabled';

/**
 * Recognizes etcd's authentication and authorization refusals. Each needs a human, so
 * each names what to fix: the role (palisadectl etcd-setup), the password, or the flags.
 */
export function permissionDenied(err: unknown, ctx: EtcdCallContext): PalisadeError | null {
  const msg = errorMessage(err);
  const user = ctx.user === undefined ? 'no user (no credentials sent)' : `user "${ctx.user}"`;
  const where = ctx.key === undefined ? ctx.op : `${ctx.op} ${ctx.key}`;
  const fields = { endpoints: ctx.endpoints, op: ctx.op, key: ctx.key ?? '', user: ctx.user ?? '' };
  let reason: string;
  let kind: PermissionDeniedKind;
  let fix: string;
  if (err instanceof EtcdPermissionDeniedError) {
    reason = `etcd denied ${where} to ${user}`;
    kind = 'denied';
    fix =
      ctx.user === undefined
        ? 'give this component its own etcd user (--etcd-username and --etcd-password-file)'
        : `grant the permission to a role of "${ctx.user}" (palisadectl etcd-setup creates the Palisade roles), or run this component with its own credentials`;
  } else if (err instanceof EtcdAuthenticationFailedError) {
    reason = `etcd rejected the password of ${user}`;
    kind = 'bad-credentials';
    fix =
      'check --etcd-username and --etcd-password(-file), or reset the password with palisadectl etcd-setup';
  } else if (/user name is empty/i.test(msg)) {
    reason = `etcd has authentication enabled and ${where} was sent without credentials`;
    kind = 'no-credentials';
    fix =
      'set --etcd-username and --etcd-password-file (PALISADE_ETCD_USERNAME, PALISADE_ETCD_PASSWORD_FILE)';
  } else if (/authentication is not enabled/i.test(msg)) {
    reason = `credentials for ${user} were given but etcd has authentication disabled`;
    kind = 'auth-disabled';
    fix = 'enable it (palisadectl etcd-setup --enable-auth) or remove the credentials';
  } else {
    return null;
  }
  return new PalisadeError('PERMISSION_DENIED', `${reason}: ${fix}`, {
    cause: err,
    fields: { ...fields, fix, kind },
  });
}

/** Wraps an error thrown by etcd3 so that callers see one error class with the endpoints. */
export function wrapEtcdError(err: unknown, ctx: EtcdCallContext): PalisadeError {
  if (err instanceof PalisadeError) return err;
  const { endpoints, op } = ctx;
  const fields = { endpoints, op };
  const msg = errorMessage(err);
  const denied = permissionDenied(err, ctx);
  if (denied) return denied;
  if (err instanceof GRPCDeadlineExceededError) {
    return new PalisadeError(
      'UNAVAILABLE',
      `etcd unreachable at ${endpoints.join(',')}: ${op} timed out: ${msg}`,
      {
        cause: err,
        fields,
      },
    );
  }
  if (
    (err instanceof Error && isRecoverableError(err)) ||
    isBrokenCircuitError(err) ||
    isConnectError(err)
  ) {
    return new PalisadeError('UNAVAILABLE', `etcd unreachable at ${endpoints.join(',')}: ${msg}`, {
      cause: err,
      fields,
    });
  }
  return new PalisadeError('INTERNAL', `etcd ${op} failed: ${msg}`, { cause: err, fields });
}

function isConnectError(err: unknown): boolean {
  const msg = errorMessage(err);
  return /UNAVAILABLE|ECONNREFUSED|ECONNRESET|No connection established/i.test(msg);
}

/** One line per issue: `<path>: <message>`, e.g. `spec.ingress.0.ports.0.port: Expected number`. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * Logs a failed etcd call that the caller will retry: at error level when etcd refused
 * this identity (a human must fix a role or a password; retrying alone will not), with
 * the key, the user and the fix as fields; at warn level for anything transient.
 */
export function logEtcdFailure(
  logger: Logger,
  message: string,
  err: unknown,
  fields: Record<string, unknown> = {},
): void {
  if (isPalisadeError(err, 'PERMISSION_DENIED')) {
    const { key, user, fix } = err.fields;
    logger.error(message, { ...fields, ...(key ? { key } : {}), user, fix, err: err.message });
  } else {
    logger.warn(message, { ...fields, err: errorMessage(err) });
  }
}

/** Parses a stored value: JSON first, then the schema. Throws INVALID_VALUE naming key and field. */
export function decodeValue<T>(
  key: string,
  raw: string,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
): T {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new PalisadeError('INVALID_VALUE', `invalid JSON at ${key}: ${errorMessage(err)}`, {
      cause: err,
      fields: { key },
    });
  }
  const res = schema.safeParse(json);
  if (!res.success) {
    throw new PalisadeError(
      'INVALID_VALUE',
      `invalid value at ${key}: ${describeZodError(res.error)}`,
      {
        cause: res.error,
        fields: { key, field: res.error.issues[0]?.path.join('.') ?? '' },
      },
    );
  }
  return res.data;
}
