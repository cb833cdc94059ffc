/**
 * Validates rendered manifests offline, like `kubectl apply --validate=strict` would:
 *  1. against the Kubernetes OpenAPI schemas (kubernetes-models' ajv validators; the
 *     ServiceMonitor against @kubernetes-models/prometheus-operator), which catch
 *     wrong types, missing required fields and bad enums;
 *  2. for unknown fields, which those schemas allow: every key is looked up in the
 *     attribute maps of @kubernetes/client-node's generated models (from the same
 *     OpenAPI document), so a misspelt or misplaced field is an error.
 */
import * as k8s from '@kubernetes/client-node';
import type { Manifest } from './helm.js';

interface ModelClass {
  new (data: unknown): { validate(): void };
}

const MODEL_MODULES: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

async function modelFor(apiVersion: string, kind: string): Promise<ModelClass> {
  const mod = MODEL_MODULES[apiVersion];
  if (!mod) throw new Error(`no schema known for apiVersion ${apiVersion}`);
  const exports = (await import(`${mod}/${kind}`)) as Record<string, ModelClass | undefined>;
  const cls = exports[kind];
  if (!cls) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return cls;
}

interface Attribute {
  baseName: string;
  type: string;
}
type AttributeClass = { attributeTypeMap?: Attribute[] };

const PRIMITIVES = new Set(['string', 'number', 'boolean', 'any', 'Date', 'IntOrString', 'object']);

function unknownFields(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined || PRIMITIVES.has(type)) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value))
      value.forEach((v, i) => unknownFields(v, array[1]!, `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object')
      for (const [k, v] of Object.entries(value)) unknownFields(v, map[1]!, `${path}.${k}`, out);
    return;
  }
  const cls = (k8s as unknown as Record<string, AttributeClass | undefined>)[type];
  const attrs = cls?.attributeTypeMap;
  if (!attrs) throw new Error(`${path}: unknown model type ${type}`);
  if (typeof value !== 'object' || Array.isArray(value)) return; // the schema check reports it
  for (const [k, v] of Object.entries(value)) {
    const attr = attrs.find((a) => a.baseName === k);
    if (!attr) out.push(`${path}.${k}: unknown field`);
    else unknownFields(v, attr.type, `${path}.${k}`, out);
  }
}

/** Problems with one manifest; empty when it is valid. */
export async function validateManifest(m: Manifest): Promise<string[]> {
  const where = `${m.kind}/${m.metadata?.name ?? '?'}`;
  const problems: string[] = [];
  try {
    const Model = await modelFor(m.apiVersion, m.kind);
    new Model(m).validate();
  } catch (err) {
    const e = err as { message: string; errors?: { instancePath: string; message?: string }[] };
    const details = e.errors?.map((x) => `${x.instancePath}: ${x.message ?? ''}`) ?? [e.message];
    problems.push(...details.map((d) => `${where}: ${d}`));
  }
  const [group, version] = m.apiVersion.includes('/')
    ? m.apiVersion.split('/')
    : ['', m.apiVersion];
  if (group !== 'monitoring.coreos.com' && MODEL_MODULES[m.apiVersion]) {
    const prefix = version === 'v1' ? 'V1' : version!.charAt(0).toUpperCase() + version!.slice(1);
    const out: string[] = [];
    unknownFields(m, `${prefix}${m.kind}`, where, out);
    problems.push(...out);
  }
  return problems;
}
