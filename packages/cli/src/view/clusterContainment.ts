/**
 * Cluster policies as the agents enforce them (the model's clusterEnforcement.ts, the
 * rules the agent's validation filter and calc graph apply):
 *
 *  - a valid CNP keeps its tier, priority and subject; with `error`, each direction
 *    that has rules is one Deny-all rule;
 *  - a stored CNP that cannot be used (decode fails, or a selector does not parse) is
 *    an Admin CNP at priority 0 that selects every endpoint and denies both directions.
 *
 * The subject selector of a CNP is not confined to a namespace: it is evaluated over
 * every endpoint with its namespace's labels (none when the namespace is unknown, as
 * in the agent's label index).
 */
import { containClusterPolicy, denyAllClusterPolicy, enforcedClusterRules, parseKey } from '@palisade/model';
import type { ClusterPolicy, ClusterRule, PolicyError, RuleOrigins, Tier } from '@palisade/model';

/** One CNP as enforced: what explain walks and describe shows. */
export interface EnforcedClusterPolicy {
  name: string;
  tier: Tier;
  priority: number;
  /** The subject selector as enforced. */
  selector: string;
  ingress: ClusterRule[];
  egress: ClusterRule[];
  /** The stored CNP, or the stand-in for an unusable stored value. */
  source: ClusterPolicy;
  /** Set when the stored CNP carries a translation error (its rules are Deny-all). */
  error: PolicyError | null;
  /** Set when the stored value cannot be used at all: the key and why. */
  invalid: { key: string; error: string } | null;
  /**
   * Set when these rules are the fail-closed form for unknown namespace labels: the
   * stored policy they come from, and for each rule the 0-based stored rule index.
   */
  unknownLabels?: { of: string; origins: RuleOrigins; companion: boolean };
}

export function enforceClusterPolicy(cp: ClusterPolicy): EnforcedClusterPolicy {
  const rules = enforcedClusterRules(cp);
  return {
    name: cp.metadata.name,
    tier: cp.spec.tier,
    priority: cp.spec.priority,
    selector: cp.spec.selector,
    ...rules,
    source: cp,
    error: cp.spec.error ?? null,
    invalid: null,
  };
}

/**
 * A stored CNP as the agents evaluate it while the namespaces in `unreadable` cannot
 * be read (the model's containClusterPolicy): itself, or its fail-closed form and its
 * companion `<name>!unknown-labels`.
 */
export function evaluatedClusterPolicies(cp: ClusterPolicy, unreadable: ReadonlySet<string>): EnforcedClusterPolicy[] {
  const { policy, companion, origins } = containClusterPolicy(cp, unreadable);
  if (policy === cp) return [enforceClusterPolicy(cp)];
  const of = cp.metadata.name;
  const out = [{ ...enforceClusterPolicy(policy), source: cp, unknownLabels: { of, origins: origins.policy, companion: false } }];
  if (companion !== null && origins.companion !== null)
    out.push({
      ...enforceClusterPolicy(companion),
      source: companion,
      unknownLabels: { of, origins: origins.companion, companion: true },
    });
  return out;
}

/** The stand-in for an unusable stored CNP, or null when `key` is not a cluster policy key. */
export function containInvalidClusterPolicy(key: string, error: string): EnforcedClusterPolicy | null {
  const parsed = parseKey(key);
  if (parsed?.kind !== 'clusterPolicy') return null;
  const standIn = denyAllClusterPolicy(parsed.name, error);
  return {
    ...enforceClusterPolicy(standIn),
    ingress: standIn.spec.ingress,
    egress: standIn.spec.egress,
    error: null,
    invalid: { key, error },
  };
}

/** What the agents do with an unusable stored CNP, in words. */
export const INVALID_CLUSTER_POLICY_ENFORCED =
  'the agents enforce it as an Admin cluster policy at priority 0 that denies all ingress and egress of every pod';

/** One sentence for explain, get and describe. */
export function clusterContainmentWords(c: Pick<EnforcedClusterPolicy, 'name' | 'invalid' | 'error'>): string {
  if (c.invalid !== null)
    return `cluster policy ${c.name} is invalid (${c.invalid.error}); ${INVALID_CLUSTER_POLICY_ENFORCED}`;
  if (c.error !== null)
    return `cluster policy ${c.name} has an error (${c.error.field}: ${c.error.message}); the agents deny everything in each of its directions with rules, for the pods it selects`;
  return `cluster policy ${c.name}`;
}
