/**
 * ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) → ClusterPolicy. Pure.
 *
 * Rules that cannot be read fail closed one by one (clusterRules.ts) and leave a
 * warning. What cannot be translated at all (the tier, the priority, the subject, a
 * rule list that is not a list) sets `spec.error`: the stored policy then keeps what
 * could be read (else Admin, priority 0, every endpoint) and one Deny rule in each
 * direction the CNP has rules in, so that agents deny those directions for whatever
 * it may select and never grant any of its Accepts.
 */
import {
  ALL_SELECTOR,
  API_VERSION,
  ClusterPolicySchema,
  NAMESPACE_LABEL_PREFIX,
  PalisadeError,
  printSelector,
  type ClusterPolicy,
  type ClusterRule,
  type PolicyError,
  type Tier,
} from '@palisade/model';
import { errorField, fieldError } from './fieldError.js';
import { isRecord, namespacedPodExpr, oneOf, selectorExpr, translateClusterRule, type Direction } from './clusterRules.js';
import type { KClusterNetworkPolicy } from './types.js';

type Spec = ClusterPolicy['spec'];
const TIERS: readonly Tier[] = ['Admin', 'Baseline'];
const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

function tierOf(v: unknown): Tier {
  const tier = TIERS.find((t) => t === v);
  return tier ?? fieldError('spec.tier', `unknown tier ${JSON.stringify(v)}: must be Admin or Baseline`);
}

function priorityOf(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1000)
    return fieldError('spec.priority', `${JSON.stringify(v)} is not an integer from 0 to 1000`);
  return v;
}

/** The subject as a canonical selector over endpoints (namespace labels under NAMESPACE_LABEL_PREFIX). */
export function subjectSelector(subject: unknown): string {
  const kind = oneOf(subject, ['namespaces', 'pods'], 'spec.subject');
  const value = (subject as Record<string, unknown>)[kind];
  return kind === 'namespaces'
    ? printSelector(selectorExpr(value, 'spec.subject.namespaces', NAMESPACE_LABEL_PREFIX))
    : printSelector(namespacedPodExpr(value, 'spec.subject.pods'));
}

function rulesAt(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return fieldError(field, 'must be a list');
  return v;
}

function translateSpec(raw: unknown): Spec {
  if (!isRecord(raw)) return fieldError('spec', 'must be an object');
  const warnings: string[] = [];
  const spec: Spec = {
    tier: tierOf(raw.tier),
    priority: priorityOf(raw.priority),
    selector: subjectSelector(raw.subject),
    ingress: [],
    egress: [],
    warnings,
  };
  for (const dir of DIRECTIONS) {
    const rules = rulesAt(raw[dir], `spec.${dir}`);
    spec[dir] = rules
      .map((r, index) => translateClusterRule(r, { dir, index, warnings }))
      .filter((r): r is ClusterRule => r !== null);
  }
  return spec;
}

function attempt<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** A direction "has rules" unless it is missing or an empty list: anything else might. */
function hasRules(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
}

/** The fail-closed spec: what could be read, and one Deny rule per direction that has rules. */
export function failedClusterSpec(raw: unknown, error: PolicyError): Spec {
  const spec = isRecord(raw) ? raw : {};
  const denyAll = (dir: Direction): ClusterRule[] =>
    hasRules(spec[dir]) ? [{ name: `${dir}: invalid policy, denies all`, action: 'Deny', peers: [], ports: [] }] : [];
  return {
    tier: attempt(() => tierOf(spec.tier), 'Admin'),
    priority: attempt(() => priorityOf(spec.priority), 0),
    selector: attempt(() => subjectSelector(spec.subject), ALL_SELECTOR),
    ingress: isRecord(raw) ? denyAll('ingress') : [],
    egress: isRecord(raw) ? denyAll('egress') : [],
    warnings: [],
    error,
  };
}

/**
 * Translates one ClusterNetworkPolicy. Throws PalisadeError('INVALID_INPUT') only when
 * its name cannot be stored under a key.
 */
export function translateClusterNetworkPolicy(cnp: KClusterNetworkPolicy): ClusterPolicy {
  const name = cnp.metadata?.name ?? '';
  const metadata: ClusterPolicy['metadata'] = { name };
  if (cnp.metadata?.uid) metadata.uid = cnp.metadata.uid;
  const build = (spec: Spec): ClusterPolicy => ({ apiVersion: API_VERSION, kind: 'ClusterPolicy', metadata, spec });
  let policy: ClusterPolicy;
  try {
    policy = build(translateSpec(cnp.spec));
  } catch (err) {
    const fe = errorField(err);
    if (!fe) throw err;
    policy = build(failedClusterSpec(cnp.spec, fe));
  }
  const checked = ClusterPolicySchema.safeParse(policy);
  if (checked.success) return checked.data;
  const issue = checked.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  if (path.startsWith('metadata') || policy.spec.error)
    throw new PalisadeError('INVALID_INPUT', `ClusterNetworkPolicy ${name} cannot be stored`, {
      cause: checked.error,
      fields: { policy: name, field: path },
    });
  const error = { field: path, message: issue?.message ?? 'invalid' };
  return ClusterPolicySchema.parse(build(failedClusterSpec(cnp.spec, error)));
}
