/**
 * A CRD's structural OpenAPI schema, applied the way the apiextensions server does:
 * unknown fields are pruned first, then the value is checked against types, enums,
 * bounds, list types and the `x-kubernetes-validations` rules. CEL is not evaluated
 * in general: each rule string the served schemas use has a JavaScript equivalent in
 * CEL_RULES, and an unknown rule is a programming error (thrown, caught by tests).
 * Messages follow k8s.io/kube-openapi's validate errors so clients see the same text.
 */
import { fieldErr, type FieldError } from './status.js';
import { isObject, type JsonObject } from './types.js';

export interface CelRule {
  rule: string;
  message: string;
}

export interface OpenApiSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema;
  required?: string[];
  items?: OpenApiSchema;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  nullable?: boolean;
  default?: unknown;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** JavaScript equivalents of the CEL rules used in served schemas, by rule text. */
const CEL_RULES: Record<string, (self: unknown) => boolean> = {
  'self.start < self.end': (self) =>
    isObject(self) && typeof self.start === 'number' && typeof self.end === 'number'
      ? self.start < self.end
      : true,
  // Egress rule: no named port when a peer has no named ports (networks, nodes, domainNames).
  '!(self.to.exists(peer, has(peer.networks) || has(peer.nodes) || has(peer.domainNames)) && has(self.protocols) && self.protocols.exists(protocol, has(protocol.destinationNamedPort)))':
    (self) => {
      if (!isObject(self)) return true;
      const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
      const noNamed = list(self.to).some(
        (p) =>
          isObject(p) &&
          (p.networks !== undefined || p.nodes !== undefined || p.domainNames !== undefined),
      );
      const named = list(self.protocols).some(
        (p) => isObject(p) && p.destinationNamedPort !== undefined,
      );
      return !(noNamed && named);
    },
};

/** The CEL rule texts this server can evaluate (tests check a CRD uses no other). */
export const SUPPORTED_CEL_RULES: readonly string[] = Object.keys(CEL_RULES);

/**
 * Drops fields the schema does not declare (in place), as CRD pruning does, and then
 * null fields that are neither nullable nor defaulted, as the apiextensions decoder
 * does next (PruneNonNullableNullsWithoutDefaults): `pods: null` is an absent field,
 * not a type error. Nulls inside lists stay, and fail validation, as there.
 *
 * Returns the paths of the dropped unknown fields (not the nulls), in the form the
 * server reports them under fieldValidation: `spec.ingress[0].from[0].networks`.
 */
export function prune(value: unknown, schema: OpenApiSchema, path = ''): string[] {
  if (schema['x-kubernetes-preserve-unknown-fields']) return [];
  if (Array.isArray(value)) {
    const items = schema.items;
    return items ? value.flatMap((v, i) => prune(v, items, `${path}[${i}]`)) : [];
  }
  if (!isObject(value)) return [];
  const pruned: string[] = [];
  for (const key of Object.keys(value)) {
    const sub = schema.properties?.[key] ?? schema.additionalProperties;
    const at = path ? `${path}.${key}` : key;
    if (!sub) {
      delete value[key];
      pruned.push(at);
    } else if (value[key] === null && !sub.nullable && sub.default === undefined) delete value[key];
    else pruned.push(...prune(value[key], sub, at));
  }
  return pruned;
}

const TYPE_CHECK: Record<string, (v: unknown) => boolean> = {
  object: isObject,
  array: Array.isArray,
  string: (v) => typeof v === 'string',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
};

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const raw = (type: FieldError['type'], field: string, message: string): FieldError => ({
  type,
  field,
  message,
});

function checkScalar(v: unknown, s: OpenApiSchema, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (s.enum && !s.enum.includes(v as string)) errs.push(fieldErr.notSupported(path, v, s.enum));
  if (typeof v === 'number') {
    if (s.maximum !== undefined && v > s.maximum)
      errs.push(
        fieldErr.invalid(path, v, `${path} in body should be less than or equal to ${s.maximum}`),
      );
    if (s.minimum !== undefined && v < s.minimum)
      errs.push(
        fieldErr.invalid(
          path,
          v,
          `${path} in body should be greater than or equal to ${s.minimum}`,
        ),
      );
  }
  if (typeof v === 'string') {
    if (s.maxLength !== undefined && v.length > s.maxLength)
      errs.push(
        raw('FieldValueTooLong', path, `Too long: may not be more than ${s.maxLength} bytes`),
      );
    if (s.minLength !== undefined && v.length < s.minLength)
      errs.push(
        fieldErr.invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`),
      );
    if (s.pattern !== undefined && !new RegExp(s.pattern).test(v))
      errs.push(fieldErr.invalid(path, v, `${path} in body should match '${s.pattern}'`));
  }
  return errs;
}

function checkArray(v: unknown[], s: OpenApiSchema, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (s.maxItems !== undefined && v.length > s.maxItems)
    errs.push(
      raw(
        'FieldValueTooMany',
        path,
        `Too many: ${v.length}: must have at most ${s.maxItems} items`,
      ),
    );
  if (s.minItems !== undefined && v.length < s.minItems)
    errs.push(
      fieldErr.invalid(path, v.length, `${path} in body should have at least ${s.minItems} items`),
    );
  const listType = s['x-kubernetes-list-type'];
  const seen = new Set<string>();
  v.forEach((item, i) => {
    let key: string | undefined;
    if (listType === 'set') key = JSON.stringify(item);
    else if (listType === 'map' && isObject(item))
      key = JSON.stringify((s['x-kubernetes-list-map-keys'] ?? []).map((k) => item[k]));
    if (key !== undefined) {
      if (seen.has(key))
        errs.push(raw('FieldValueDuplicate', `${path}[${i}]`, `Duplicate value: ${key}`));
      seen.add(key);
    }
    if (s.items) errs.push(...validateSchema(item, s.items, `${path}[${i}]`));
  });
  return errs;
}

function checkObject(v: JsonObject, s: OpenApiSchema, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const n = Object.keys(v).length;
  if (s.maxProperties !== undefined && n > s.maxProperties)
    errs.push(
      raw('FieldValueTooMany', path, `Too many: ${n}: must have at most ${s.maxProperties} items`),
    );
  if (s.minProperties !== undefined && n < s.minProperties)
    errs.push(
      fieldErr.invalid(
        path,
        n,
        `${path} in body should have at least ${s.minProperties} properties`,
      ),
    );
  for (const req of s.required ?? [])
    if (v[req] === undefined || v[req] === null) errs.push(fieldErr.required(`${path}.${req}`, ''));
  for (const [k, sub] of Object.entries(v)) {
    const schema = s.properties?.[k] ?? s.additionalProperties;
    if (schema && sub !== undefined) errs.push(...validateSchema(sub, schema, `${path}.${k}`));
  }
  return errs;
}

/** Validates `value` (already pruned) at `path`; an empty list means valid. */
export function validateSchema(value: unknown, s: OpenApiSchema, path: string): FieldError[] {
  if (s.type && !TYPE_CHECK[s.type]?.(value)) {
    const t = typeName(value);
    return [fieldErr.typeInvalid(path, t, `${path} in body must be of type ${s.type}: "${t}"`)];
  }
  let errs: FieldError[];
  if (Array.isArray(value)) errs = checkArray(value, s, path);
  else if (isObject(value)) errs = checkObject(value, s, path);
  else errs = checkScalar(value, s, path);
  // CEL rules run only on values that passed the schema, as in the real server.
  if (errs.length > 0) return errs;
  for (const r of s['x-kubernetes-validations'] ?? []) {
    const fn = CEL_RULES[r.rule];
    if (!fn) throw new Error(`no JavaScript equivalent for CEL rule ${r.rule}`);
    if (!fn(value)) errs.push(fieldErr.invalid(path, typeName(value), r.message));
  }
  return errs;
}
