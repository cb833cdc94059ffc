/**
 * Walks a CRD's openAPIV3Schema for the chart's CRD tests: every node with its path,
 * a lookup by path, and the structural-schema checks the apiextensions server makes
 * before it accepts a CRD (apiextensions.k8s.io/v1 rejects a non-structural schema).
 */
import { isMap } from './helm.js';

export type SchemaNode = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode;
  items?: SchemaNode;
  required?: string[];
  enum?: unknown[];
  'x-kubernetes-validations'?: { rule: string; message: string }[];
};

/** Every schema node, depth first; paths as `spec.ingress[].from[].pods`. */
export function walk(node: SchemaNode, path = ''): { path: string; node: SchemaNode }[] {
  const out = [{ path, node }];
  for (const [k, sub] of Object.entries(node.properties ?? {}))
    out.push(...walk(sub, path ? `${path}.${k}` : k));
  if (node.additionalProperties) out.push(...walk(node.additionalProperties, `${path}{}`));
  if (node.items) out.push(...walk(node.items, `${path}[]`));
  return out;
}

/** The node at a path in walk()'s notation; throws when there is none. */
export function at(root: SchemaNode, path: string): SchemaNode {
  const hit = walk(root).find((n) => n.path === path);
  if (!hit) throw new Error(`no schema node at ${path}`);
  return hit.node;
}

/** The keywords a structural schema may use (no $ref, patternProperties, uniqueItems...). */
const ALLOWED_KEYS = new Set([
  'type',
  'format',
  'description',
  'title',
  'properties',
  'additionalProperties',
  'required',
  'items',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

function nodeProblems(node: SchemaNode, path: string): string[] {
  const where = path || '<root>';
  const p: string[] = [];
  for (const k of Object.keys(node)) if (!ALLOWED_KEYS.has(k)) p.push(`${where}: keyword ${k}`);
  if (!TYPES.has(String(node.type))) p.push(`${where}: no valid type (${String(node.type)})`);
  if (node.type === 'object') {
    if (node.properties && node.additionalProperties)
      p.push(`${where}: properties and additionalProperties together`);
    for (const r of node.required ?? [])
      if (!node.properties?.[r]) p.push(`${where}: required ${r} is not a property`);
  } else if (node.properties || node.additionalProperties || node.required) {
    p.push(`${where}: object keywords on a ${String(node.type)}`);
  }
  if (node.type === 'array' && !isMap(node.items)) p.push(`${where}: an array without items`);
  if (node.type !== 'array' && node.items) p.push(`${where}: items on a ${String(node.type)}`);
  if (node['x-kubernetes-list-type'] !== undefined && node.type !== 'array')
    p.push(`${where}: x-kubernetes-list-type on a ${String(node.type)}`);
  if (node['x-kubernetes-map-type'] !== undefined && node.type !== 'object')
    p.push(`${where}: x-kubernetes-map-type on a ${String(node.type)}`);
  if (node['x-kubernetes-list-type'] === 'set' && node.items?.type === 'object')
    p.push(`${where}: a set of objects`);
  if (node['x-kubernetes-list-type'] === 'map') {
    const keys = (node['x-kubernetes-list-map-keys'] ?? []) as string[];
    if (keys.length === 0) p.push(`${where}: a map list without keys`);
    for (const k of keys)
      if (!node.items?.required?.includes(k)) p.push(`${where}: map key ${k} is not required`);
  }
  for (const v of node.enum ?? [])
    if (typeof v !== (node.type === 'integer' ? 'number' : node.type))
      p.push(`${where}: enum value ${String(v)} is not a ${String(node.type)}`);
  for (const r of node['x-kubernetes-validations'] ?? [])
    for (const k of Object.keys(r))
      if (k !== 'rule' && k !== 'message') p.push(`${where}: validation rule keyword ${k}`);
  return p;
}

/** Why the schema is not structural (or uses more than this CRD needs); [] when it is. */
export function structuralProblems(root: SchemaNode): string[] {
  const p = walk(root).flatMap(({ node, path }) => nodeProblems(node, path));
  // metadata may only restrict name and generateName; this CRD restricts nothing.
  const meta = root.properties?.metadata;
  if (meta && Object.keys(meta).some((k) => k !== 'type')) p.push('metadata: more than its type');
  return p;
}
