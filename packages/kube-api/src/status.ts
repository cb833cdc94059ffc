/**
 * metav1.Status bodies worded as the real API server words them, carried through
 * the handlers inside a PalisadeError (fields.status) so the HTTP layer can answer
 * with the right code.
 */
import { PalisadeError, isPalisadeError, type ErrorCode } from '@palisade/model';
import { qualifiedKind, qualifiedResource, type ResourceDef } from './resources.js';

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  code: number;
}

export function makeStatus(
  code: number,
  reason: string,
  message: string,
  details?: KubeStatus['details'],
): KubeStatus {
  const s: KubeStatus = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) s.details = details;
  return s;
}

const ERROR_CODES: Record<number, ErrorCode> = {
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  410: 'CONFLICT',
  422: 'INVALID_VALUE',
};

export function statusError(status: KubeStatus): PalisadeError {
  return new PalisadeError(ERROR_CODES[status.code] ?? 'INVALID_INPUT', status.message, {
    fields: { status },
  });
}

/** The Status carried by an error thrown in a handler, or a 500 for anything else. */
export function statusOf(err: unknown): KubeStatus {
  if (isPalisadeError(err) && typeof err.fields.status === 'object' && err.fields.status !== null) {
    return err.fields.status as KubeStatus;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return makeStatus(500, 'InternalError', `Internal error occurred: ${msg}`);
}

function details(def: ResourceDef, name: string): KubeStatus['details'] {
  return def.group ? { name, group: def.group, kind: def.plural } : { name, kind: def.plural };
}

export function notFound(def: ResourceDef, name: string): PalisadeError {
  return statusError(
    makeStatus(
      404,
      'NotFound',
      `${qualifiedResource(def)} "${name}" not found`,
      details(def, name),
    ),
  );
}

export function alreadyExists(def: ResourceDef, name: string): PalisadeError {
  return statusError(
    makeStatus(
      409,
      'AlreadyExists',
      `${qualifiedResource(def)} "${name}" already exists`,
      details(def, name),
    ),
  );
}

export function conflict(
  def: ResourceDef,
  name: string,
  why = 'the object has been modified; please apply your changes to the latest version and try again',
): PalisadeError {
  const msg = `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": ${why}`;
  return statusError(makeStatus(409, 'Conflict', msg, details(def, name)));
}

export function badRequest(message: string): PalisadeError {
  return statusError(makeStatus(400, 'BadRequest', message));
}

export function methodNotAllowed(): PalisadeError {
  return statusError(
    makeStatus(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    ),
  );
}

/** A patch type the resource does not take (custom resources have no strategic merge patch). */
export function unsupportedMediaType(type: string, custom = false): PalisadeError {
  const types = [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/apply-patch+yaml',
  ];
  if (!custom) types.push('application/strategic-merge-patch+json');
  return statusError(
    makeStatus(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${types.join(', ')}; got ${type}`,
    ),
  );
}

export function expired(message: string): KubeStatus {
  return makeStatus(410, 'Expired', message);
}

/** One field error, formatted like k8s.io/apimachinery field.Error. */
export interface FieldError {
  type:
    | 'FieldValueInvalid'
    | 'FieldValueTypeInvalid'
    | 'FieldValueRequired'
    | 'FieldValueForbidden'
    | 'FieldValueNotSupported'
    | 'FieldValueDuplicate'
    | 'FieldValueTooMany'
    | 'FieldValueTooLong';
  field: string;
  message: string;
}

const TYPE_TEXT: Record<FieldError['type'], string> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueForbidden: 'Forbidden',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueTooMany: 'Too many',
  FieldValueTooLong: 'Too long',
};

function showValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? 'null');
}

export const fieldErr = {
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field,
    message: `${TYPE_TEXT.FieldValueInvalid}: ${showValue(value)}: ${detail}`,
  }),
  /** A value of the wrong JSON type (field.TypeInvalid): worded as Invalid, its own reason. */
  typeInvalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueTypeInvalid',
    field,
    message: `${TYPE_TEXT.FieldValueTypeInvalid}: ${showValue(value)}: ${detail}`,
  }),
  required: (field: string, detail = ''): FieldError => ({
    type: 'FieldValueRequired',
    field,
    message: detail ? `${TYPE_TEXT.FieldValueRequired}: ${detail}` : TYPE_TEXT.FieldValueRequired,
  }),
  forbidden: (field: string, detail: string): FieldError => ({
    type: 'FieldValueForbidden',
    field,
    message: `${TYPE_TEXT.FieldValueForbidden}: ${detail}`,
  }),
  notSupported: (field: string, value: unknown, supported: string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field,
    message: `${TYPE_TEXT.FieldValueNotSupported}: ${showValue(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  }),
};

/** 422 Invalid, e.g. `NetworkPolicy.networking.k8s.io "x" is invalid: spec.ingress[0]...: Invalid value: ...`. */
export function invalid(def: ResourceDef, name: string, errs: FieldError[]): PalisadeError {
  const parts = errs.map((e) => `${e.field}: ${e.message}`);
  const joined = parts.length === 1 ? (parts[0] ?? '') : `[${parts.join(', ')}]`;
  const causes = errs.map((e) => ({ reason: e.type, message: e.message, field: e.field }));
  const det: KubeStatus['details'] = { name, kind: def.kind, causes };
  if (def.group) det.group = def.group;
  return statusError(
    makeStatus(422, 'Invalid', `${qualifiedKind(def)} "${name}" is invalid: ${joined}`, det),
  );
}

/** Creating content in a namespace that is being deleted (the NamespaceLifecycle admission). */
export function namespaceTerminating(def: ResourceDef, name: string, ns: string): PalisadeError {
  return statusError(
    makeStatus(
      403,
      'Forbidden',
      `${qualifiedResource(def)} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
      {
        ...details(def, name),
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${ns} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      },
    ),
  );
}
