/**
 * How a stored policy that cannot be used is contained: shared by the agent, which
 * enforces it, and palisadectl, which shows what is enforced. One definition, so
 * `explain` can never disagree with the agents about an invalid policy.
 *
 *  - A policy is invalid when it fails decoding, or when a selector of it does not
 *    parse (peers first, then spec.selector: the field reported is the first found).
 *  - An invalid policy stored under namespace N is enforced as a policy selecting
 *    every endpoint of N, isolating both directions and allowing nothing. A
 *    namespaced policy only ever selects pods of its own namespace (policySubject),
 *    so this isolates at least what the real one could have selected.
 *  - A CLUSTER policy is invalid on the same terms. Nothing of an invalid one can be
 *    trusted (not its tier, subject or priority) and a cluster policy may select any
 *    pod, so it is enforced as an Admin-tier policy at priority 0 that selects every
 *    endpoint and denies both directions: only a first-evaluated deny-all cannot be
 *    wider than what the real value might say.
 */
import { errorMessage } from './errors.js';
import { API_VERSION } from './schema/common.js';
import type { ClusterPolicy } from './schema/clusterPolicy.js';
import type { Policy } from './schema/policy.js';
import { parseSelector } from './selector/parser.js';
import { ALL_SELECTOR } from './selector/types.js';

/** The parts of a policy or cluster policy that hold selectors. */
export interface SelectorBearing {
  spec: {
    selector: string;
    ingress: readonly { peers: readonly ({ selector: string } | { cidr: string })[] }[];
    egress: readonly { peers: readonly ({ selector: string } | { cidr: string })[] }[];
  };
}

/**
 * `field: reason` for the first selector of the policy (or cluster policy) that does
 * not parse, or null.
 */
export function policySelectorError(p: SelectorBearing): string | null {
  const check = (sel: string, where: string): string | null => {
    try {
      parseSelector(sel);
      return null;
    } catch (err) {
      return `${where}: ${errorMessage(err)}`;
    }
  };
  const rules: (readonly [SelectorBearing['spec']['ingress'][number], string])[] = [
    ...p.spec.ingress.map((r, i) => [r, `spec.ingress.${i}`] as const),
    ...p.spec.egress.map((r, i) => [r, `spec.egress.${i}`] as const),
  ];
  for (const [rule, where] of rules)
    for (const [j, peer] of rule.peers.entries()) {
      const bad = 'selector' in peer ? check(peer.selector, `${where}.peers.${j}.selector`) : null;
      if (bad) return bad;
    }
  return check(p.spec.selector, 'spec.selector');
}

/**
 * Isolates both directions and allows nothing, for the endpoints of `namespace` that
 * `selector` (default: all of them) picks.
 */
export function isolatingPolicy(
  namespace: string,
  name: string,
  error: string,
  selector = `pal:namespace == '${namespace}'`,
): Policy {
  return {
    apiVersion: API_VERSION,
    kind: 'Policy',
    metadata: { namespace, name },
    spec: {
      order: 1000,
      selector,
      types: ['Ingress', 'Egress'],
      ingress: [],
      egress: [],
      error: { field: '(stored value)', message: error },
    },
  };
}

/** The stand-in for a cluster policy that cannot be read: Admin, first, every endpoint, deny both. */
export function denyAllClusterPolicy(name: string, error: string): ClusterPolicy {
  const deny = (dir: string) => ({
    name: `${dir}[invalid]`,
    action: 'Deny' as const,
    peers: [],
    ports: [],
  });
  return {
    apiVersion: API_VERSION,
    kind: 'ClusterPolicy',
    metadata: { name },
    spec: {
      tier: 'Admin',
      priority: 0,
      selector: ALL_SELECTOR,
      ingress: [deny('ingress')],
      egress: [deny('egress')],
      warnings: [],
      error: { field: '(stored value)', message: error },
    },
  };
}
