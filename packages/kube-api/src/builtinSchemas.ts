/**
 * The fields of the built-in kinds, as structural schemas that prune() can walk: the
 * real server decodes built-ins into Go structs, so a field the struct lacks is
 * dropped (and reported under fieldValidation) just as CRD pruning drops it. Only
 * field names matter here; leaves keep whatever value they hold, because type
 * errors are validation's business. The Pod's spec and status are not spelled out
 * (too large for what the tests send) and are kept as sent.
 */
import type { OpenApiSchema } from './structural.js';

const LEAF: OpenApiSchema = { 'x-kubernetes-preserve-unknown-fields': true };
const STRING_MAP: OpenApiSchema = { type: 'object', additionalProperties: LEAF };

function obj(...names: (string | Record<string, OpenApiSchema>)[]): OpenApiSchema {
  const properties: Record<string, OpenApiSchema> = {};
  for (const n of names) {
    if (typeof n === 'string') properties[n] = LEAF;
    else Object.assign(properties, n);
  }
  return { type: 'object', properties };
}

const list = (items: OpenApiSchema): OpenApiSchema => ({ type: 'array', items });

const LEAF_LIST = list(LEAF);

export const OBJECT_META_SCHEMA = obj(
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  {
    labels: STRING_MAP,
    annotations: STRING_MAP,
    ownerReferences: list(
      obj('apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion'),
    ),
    finalizers: LEAF_LIST,
    managedFields: list(
      obj('manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource'),
    ),
  },
);

const LABEL_SELECTOR = obj({
  matchLabels: STRING_MAP,
  matchExpressions: list(obj('key', 'operator', { values: LEAF_LIST })),
});

const PEER = obj({
  podSelector: LABEL_SELECTOR,
  namespaceSelector: LABEL_SELECTOR,
  ipBlock: obj('cidr', { except: LEAF_LIST }),
});

const PORTS = list(obj('protocol', 'port', 'endPort'));

/** A top-level object: apiVersion, kind, metadata and the kind's own fields. */
function kind(fields: Record<string, OpenApiSchema>): OpenApiSchema {
  return obj('apiVersion', 'kind', { metadata: OBJECT_META_SCHEMA, ...fields });
}

/** networking.k8s.io/v1 NetworkPolicy as of 1.32 (its `status` was removed in 1.26). */
export const NETWORK_POLICY_SCHEMA = kind({
  spec: obj({
    podSelector: LABEL_SELECTOR,
    ingress: list(obj({ from: list(PEER), ports: PORTS })),
    egress: list(obj({ to: list(PEER), ports: PORTS })),
    policyTypes: LEAF_LIST,
  }),
});

export const NAMESPACE_SCHEMA = kind({
  spec: obj({ finalizers: LEAF_LIST }),
  status: obj('phase', {
    conditions: list(obj('type', 'status', 'lastTransitionTime', 'reason', 'message')),
  }),
});

export const POD_SCHEMA = kind({ spec: LEAF, status: LEAF });

/** A CRD's schema with metadata read as ObjectMeta, as the apiextensions server does. */
export function withObjectMeta(schema: OpenApiSchema): OpenApiSchema {
  return {
    ...schema,
    properties: {
      apiVersion: LEAF,
      kind: LEAF,
      ...schema.properties,
      metadata: OBJECT_META_SCHEMA,
    },
  };
}
