/**
 * How cluster policies (ClusterNetworkPolicy) are enforced, as pure functions: shared
 * by palisadectl (explain, describe) and usable by the agent, so that what is shown is
 * what is enforced. The rules are those of the schema's doc comment (clusterPolicy.ts)
 * and docs/cluster-policy.md:
 *
 *  - Order within a tier: `priority` (lowest first), then name by code units (the same
 *    total order on every node, independent of locale).
 *  - A CNP with `error` keeps its tier, priority and subject, and each of its
 *    directions that has rules becomes one Deny-all rule.
 *  - A stored value that cannot be used (fails decoding, or a selector does not parse)
 *    becomes an Admin CNP at priority 0 that selects every endpoint and denies both
 *    directions: nothing of it can be trusted, and a CNP may select any pod.
 *  - A tier is walked policy by policy, rule by rule in written order; the first rule
 *    that matches decides. Accept and Deny are final for the direction, Pass leaves the
 *    tier (the next tier decides).
 */
import type { ClusterPolicy, ClusterRule, ClusterRuleAction } from './schema/clusterPolicy.js';

/** Name of the Deny-all rule that stands in for the rules of a CNP with `error`. */
export const ERROR_RULE_NAME = 'fail-closed';

const denyAll = (name: string): ClusterRule => ({ name, action: 'Deny', peers: [], ports: [] });

/** (priority, name): the evaluation order of CNPs within one tier. */
export function compareClusterPolicies(
  a: Pick<ClusterPolicy, 'metadata' | 'spec'>,
  b: Pick<ClusterPolicy, 'metadata' | 'spec'>,
): number {
  const x = a.metadata.name;
  const y = b.metadata.name;
  return a.spec.priority - b.spec.priority || (x < y ? -1 : x > y ? 1 : 0);
}

/**
 * The rules agents enforce for a valid CNP: its own, or with `error` one Deny-all rule
 * per direction that has rules (a direction without rules stays untouched).
 */
export function enforcedClusterRules(cp: ClusterPolicy): { ingress: ClusterRule[]; egress: ClusterRule[] } {
  const { spec } = cp;
  if (spec.error === undefined) return { ingress: spec.ingress, egress: spec.egress };
  const fail = (rules: ClusterRule[]): ClusterRule[] => (rules.length === 0 ? [] : [denyAll(ERROR_RULE_NAME)]);
  return { ingress: fail(spec.ingress), egress: fail(spec.egress) };
}

/** What a tier decided for one direction. `rule` is 1-based within the policy's rules. */
export type TierOutcome<P> =
  | { action: ClusterRuleAction; policy: P; rule: number; ruleName: string }
  | { action: null };

/**
 * Walks one tier: `policies` already in evaluation order (compareClusterPolicies), each
 * with the rules of the direction. The first rule `matches` accepts decides; Pass
 * returns too (it ends the tier). `{action: null}`: no rule matched.
 */
export function evaluateTier<P>(
  policies: readonly P[],
  rulesOf: (p: P) => readonly ClusterRule[],
  matches: (rule: ClusterRule) => boolean,
): TierOutcome<P> {
  for (const policy of policies) {
    for (const [i, rule] of rulesOf(policy).entries()) {
      if (matches(rule)) return { action: rule.action, policy, rule: i + 1, ruleName: rule.name };
    }
  }
  return { action: null };
}
