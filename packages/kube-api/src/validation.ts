/**
 * Generic validators mirroring k8s.io/apimachinery/pkg/util/validation and
 * ValidateObjectMeta: names, qualified label keys, label values, label selectors.
 * Messages match upstream so clients that print causes see the same text.
 */
import { fieldErr, type FieldError } from './status.js';
import { asObject, isObject, type ObjectMeta } from './types.js';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const QNAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QNAME})?`;

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const maxLen = (n: number): string => `must be no more than ${n} characters`;
const full = (re: string): RegExp => new RegExp(`^${re}$`);

export function isDns1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!full(DNS1123_LABEL).test(v)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL,
        'my-name',
        '123-abc',
      ),
    );
  }
  return errs;
}

export function isDns1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!full(DNS1123_SUBDOMAIN).test(v)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN,
        'example.com',
      ),
    );
  }
  return errs;
}

const QNAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0] ?? '';
  else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(QNAME_MSG, QNAME, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (!full(QNAME).test(name))
    errs.push(`name part ${regexError(QNAME_MSG, QNAME, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!full(LABEL_VALUE).test(v)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(asObject(labels))) {
    errs.push(...isQualifiedName(k).map((m) => fieldErr.invalid(path, k, m)));
    const value = typeof v === 'string' ? v : String(v);
    errs.push(...isValidLabelValue(value).map((m) => fieldErr.invalid(path, value, m)));
  }
  return errs;
}

/** metav1 LabelSelector validation (ValidateLabelSelector). */
export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  if (!isObject(sel)) return [];
  const errs = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  const exprs = Array.isArray(sel.matchExpressions) ? (sel.matchExpressions as unknown[]) : [];
  exprs.forEach((raw, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const e = asObject(raw);
    const values = Array.isArray(e.values) ? (e.values as unknown[]).map(String) : [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0)
          errs.push(
            fieldErr.required(
              `${p}.values`,
              "must be specified when `operator` is 'In' or 'NotIn'",
            ),
          );
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          errs.push(
            fieldErr.forbidden(
              `${p}.values`,
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        break;
      default:
        errs.push(
          fieldErr.invalid(`${p}.operator`, e.operator ?? '', 'not a valid selector operator'),
        );
    }
    const key = typeof e.key === 'string' ? e.key : '';
    errs.push(...isQualifiedName(key).map((m) => fieldErr.invalid(`${p}.key`, key, m)));
    values.forEach((v, j) =>
      errs.push(...isValidLabelValue(v).map((m) => fieldErr.invalid(`${p}.values[${j}]`, v, m))),
    );
  });
  return errs;
}

export type NameValidator = (name: string) => string[];

/** ValidateObjectMeta for create. */
export function validateObjectMeta(
  meta: ObjectMeta,
  namespaced: boolean,
  nameFn: NameValidator,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!meta.name) errs.push(fieldErr.required('metadata.name', 'name or generateName is required'));
  else errs.push(...nameFn(meta.name).map((m) => fieldErr.invalid('metadata.name', meta.name, m)));
  if (namespaced) {
    if (!meta.namespace) errs.push(fieldErr.required('metadata.namespace', ''));
    else
      errs.push(
        ...isDns1123Label(meta.namespace).map((m) =>
          fieldErr.invalid('metadata.namespace', meta.namespace, m),
        ),
      );
  } else if (meta.namespace) {
    errs.push(fieldErr.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  for (const k of Object.keys(asObject(meta.annotations))) {
    errs.push(
      ...isQualifiedName(k.toLowerCase()).map((m) =>
        fieldErr.invalid('metadata.annotations', k, m),
      ),
    );
  }
  return errs;
}

/** ValidateObjectMetaUpdate: identity fields are immutable. */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    if ((meta[f] ?? '') !== (old[f] ?? ''))
      errs.push(fieldErr.invalid(`metadata.${f}`, meta[f] ?? '', 'field is immutable'));
  }
  return errs;
}
