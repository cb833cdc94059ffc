/**
 * NetworkPolicy → Policy. Pure. Applies Kubernetes' defaulting (policyTypes, protocol,
 * empty-vs-missing lists) and validation. A policy that cannot be translated fails
 * closed: it keeps the selector (or, if even that is broken, everything in its
 * namespace) and its declared types, gets no rules and carries `spec.error`, so agents
 * isolate what it may select without granting any of its allows.
 */
import {
  API_VERSION,
  NAMESPACE_NAME_LABEL,
  PalisadeError,
  PolicySchema,
  policySelector,
  type Policy,
  type PolicyError,
  type PolicyType,
  type Rule,
} from '@palisade/model';
import { errorField, fieldError } from './fieldError.js';
import { translateRule } from './rules.js';
import { translatePodSelector } from './selectors.js';
import type { KEgressRule, KIngressRule, KNetworkPolicy } from './types.js';

export interface PolicyTranslation {
  policy: Policy;
}

const BOTH_TYPES: PolicyType[] = ['Ingress', 'Egress'];

/** Kubernetes defaulting: missing/empty policyTypes = Ingress, plus Egress when there are egress rules. */
export function policyTypes(spec: NonNullable<KNetworkPolicy['spec']>): PolicyType[] {
  const declared = spec.policyTypes;
  if (declared === undefined || declared === null || (Array.isArray(declared) && declared.length === 0)) {
    const hasEgress = Array.isArray(spec.egress) && spec.egress.length > 0;
    return hasEgress ? [...BOTH_TYPES] : ['Ingress'];
  }
  if (!Array.isArray(declared)) return fieldError('spec.policyTypes', 'must be a list');
  declared.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress')
      fieldError(`spec.policyTypes[${i}]`, `unknown policy type ${JSON.stringify(t)}: must be Ingress or Egress`);
  });
  return BOTH_TYPES.filter((t) => declared.includes(t));
}

function rulesOf<R>(v: R[] | null | undefined, field: string): R[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return fieldError(field, 'must be a list');
  return v;
}

function fallbackSelector(namespace: string): string {
  try {
    return policySelector({}, namespace);
  } catch {
    return `${NAMESPACE_NAME_LABEL} == '${namespace}'`;
  }
}

function translateSpec(np: KNetworkPolicy, namespace: string): Policy['spec'] {
  const spec = np.spec ?? {};
  const selector = translatePodSelector(spec.podSelector, namespace);
  const types = policyTypes(spec);
  const ingress = rulesOf<KIngressRule>(spec.ingress, 'spec.ingress').map((r, i) =>
    translateRule(r, namespace, { field: `spec.ingress[${i}]`, peers: 'from' }),
  );
  const egress = rulesOf<KEgressRule>(spec.egress, 'spec.egress').map((r, i) =>
    translateRule(r, namespace, { field: `spec.egress[${i}]`, peers: 'to' }),
  );
  // Rules of a type the policy does not declare are ignored by Kubernetes: drop them.
  const keep = (t: PolicyType, rules: Rule[]): Rule[] => (types.includes(t) ? rules : []);
  return { order: 1000, selector, types, ingress: keep('Ingress', ingress), egress: keep('Egress', egress) };
}

/** The fail-closed spec: selector if computable, declared types if readable, no rules. */
function failedSpec(np: KNetworkPolicy, namespace: string, error: PolicyError): Policy['spec'] {
  const spec = np.spec ?? {};
  let selector: string;
  try {
    selector = translatePodSelector(spec.podSelector, namespace);
  } catch {
    selector = fallbackSelector(namespace);
  }
  let types: PolicyType[];
  try {
    types = policyTypes(spec);
  } catch {
    types = [...BOTH_TYPES];
  }
  return { order: 1000, selector, types, ingress: [], egress: [], error };
}

/**
 * Translates one NetworkPolicy. Throws PalisadeError('INVALID_INPUT') only when the
 * object has no usable namespace/name (it cannot be stored under a key at all).
 */
export function translateNetworkPolicy(np: KNetworkPolicy): PolicyTranslation {
  const namespace = np.metadata?.namespace ?? '';
  const name = np.metadata?.name ?? '';
  const metadata: Policy['metadata'] = { namespace, name };
  if (np.metadata?.uid) metadata.uid = np.metadata.uid;
  const build = (spec: Policy['spec']): Policy => ({ apiVersion: API_VERSION, kind: 'Policy', metadata, spec });

  let policy: Policy;
  try {
    policy = build(translateSpec(np, namespace));
  } catch (err) {
    const fe = errorField(err);
    if (!fe) throw err;
    policy = build(failedSpec(np, namespace, fe));
  }
  const checked = PolicySchema.safeParse(policy);
  if (checked.success) return { policy: checked.data };
  const issue = checked.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  if (path.startsWith('metadata') || policy.spec.error)
    throw new PalisadeError('INVALID_INPUT', `NetworkPolicy ${namespace}/${name} cannot be stored`, {
      cause: checked.error,
      fields: { policy: `${namespace}/${name}`, field: path },
    });
  const error = { field: path, message: issue?.message ?? 'invalid' };
  return { policy: PolicySchema.parse(build(failedSpec(np, namespace, error))) };
}
