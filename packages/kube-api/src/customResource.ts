/**
 * The apiextensions server's behaviour for a custom resource with a `status`
 * subresource (customResourceStrategy and its status strategy), as clients see it:
 *
 * - Unknown fields are pruned whenever an object is decoded (create, update,
 *   patch result, status write), so what is stored is what the schema declares;
 *   metadata is read as ObjectMeta. The registry reports or rejects the pruned
 *   paths according to the request's fieldValidation.
 * - Create drops `status`; a main-resource update keeps the stored `status`; the
 *   `/status` subresource changes only `status` (the registry copies the rest from
 *   the stored object). `metadata.generation` starts at 1 and is bumped when
 *   anything but metadata and status changes.
 * - The schema (types, enums, bounds, list types, CEL rules) is checked on create
 *   and update. On update a subtree that did not change is not re-checked: this is
 *   the real server's validation ratcheting (on by default from 1.30), and it lets
 *   a controller write the status of an object stored before a stricter schema.
 *
 * With no schema, only ObjectMeta is validated (as for a CRD with
 * `x-kubernetes-preserve-unknown-fields`).
 */
import { withObjectMeta } from './builtinSchemas.js';
import type { ResourceDef } from './resources.js';
import type { FieldError } from './status.js';
import type { Strategy } from './strategies.js';
import { prune, validateSchema, type OpenApiSchema } from './structural.js';
import { deepEqual, type KubeObject } from './types.js';
import { isDns1123Subdomain, validateObjectMeta, validateObjectMetaUpdate } from './validation.js';

/** The top-level fields other than metadata that the schema validates (spec, status, ...). */
function bodyFields(obj: KubeObject, schema: OpenApiSchema): string[] {
  return Object.keys(schema.properties ?? {}).filter(
    (k) => !['apiVersion', 'kind', 'metadata'].includes(k) && obj[k] !== undefined,
  );
}

function validateBody(
  obj: KubeObject,
  schema: OpenApiSchema | undefined,
  old?: KubeObject,
): FieldError[] {
  if (!schema) return [];
  const errs: FieldError[] = [];
  for (const req of schema.required ?? []) {
    if (req !== 'metadata' && obj[req] === undefined) errs.push(requiredTop(req));
  }
  for (const key of bodyFields(obj, schema)) {
    const sub = schema.properties?.[key];
    if (!sub || (old && deepEqual(obj[key], old[key]))) continue;
    errs.push(...validateSchema(obj[key], sub, key));
  }
  return errs;
}

function requiredTop(field: string): FieldError {
  return { type: 'FieldValueRequired', field, message: 'Required value' };
}

export function customResourceStrategy(def: ResourceDef, schema?: OpenApiSchema): Strategy {
  const full = schema && withObjectMeta(schema);
  const keepStatus = (obj: KubeObject, old: KubeObject): void => {
    if (old.status === undefined) delete obj.status;
    else obj.status = old.status;
  };
  return {
    def,
    prune(obj) {
      if (!full) return [];
      // Sorted as the apiextensions pruner returns them; ObjectMeta's own come after.
      const paths = prune(obj, full);
      const meta = paths.filter((p) => p.startsWith('metadata.'));
      return [...paths.filter((p) => !p.startsWith('metadata.')).sort(), ...meta];
    },
    defaults() {},
    prepareForCreate(obj) {
      if (def.hasStatus) delete obj.status;
    },
    prepareForUpdate(obj, old) {
      if (def.hasStatus) keepStatus(obj, old);
    },
    validate: (obj) => [
      ...validateObjectMeta(obj.metadata, def.namespaced, isDns1123Subdomain),
      ...validateBody(obj, schema),
    ],
    validateUpdate: (obj, old) => [
      ...validateObjectMetaUpdate(obj.metadata, old.metadata),
      ...validateBody(obj, schema, old),
    ],
  };
}
