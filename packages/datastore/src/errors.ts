/** Maps etcd3/gRPC failures and zod issues to PalisadeError, with the context callers need. */
import { PalisadeError, errorMessage } from '@palisade/model';
import {
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  isRecoverableError,
} from 'etcd3';
import { isBrokenCircuitError } from 'cockatiel';
import type { z } from 'zod';

/** Wraps an error thrown by etcd3 so that callers see one error class with the endpoints. */
export function wrapEtcdError(err: unknown, endpoints: string[], op: string): PalisadeError {
  if (err instanceof PalisadeError) return err;
  const fields = { endpoints, op };
  const msg = errorMessage(err);
  if (err instanceof EtcdAuthenticationFailedError || err instanceof EtcdPermissionDeniedError) {
    return new PalisadeError(
      'UNAVAILABLE',
      `etcd at ${endpoints.join(',')} refused access (${op}): ${msg}`,
      {
        cause: err,
        fields,
      },
    );
  }
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
