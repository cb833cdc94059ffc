/**
 * What the agents enforce for policies they cannot use, so that palisadectl shows
 * what is enforced (issue 10: "explain disagrees with enforcement on invalid
 * policies"). This mirrors the agent's ValidationFilter (packages/agent/src/
 * validationFilter.ts, `decode`/`badSelector`/`isolatingPolicy`) rule for rule:
 *
 *  - a stored policy is invalid when it fails the model's decode, or when its
 *    selector or any peer selector does not parse (peers are checked first, then
 *    spec.selector, so the reported field is the agent's);
 *  - an invalid policy stored under namespace N becomes a policy that selects every
 *    endpoint of N, isolates both directions and allows nothing.
 *
 * Which endpoints a valid policy selects is decided by the model's policySubject,
 * the function the agent itself calls.
 */
import { API_VERSION, errorMessage, parseKey, parseSelector } from '@palisade/model';
import type { Policy } from '@palisade/model';

/** The field and reason an agent would give for refusing this policy's selectors, or null. */
export function policySelectorError(p: Policy): string | null {
  const check = (sel: string, where: string): string | null => {
    try {
      parseSelector(sel);
      return null;
    } catch (err) {
      return `${where}: ${errorMessage(err)}`;
    }
  };
  const rules = [
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

/** An invalid policy as the agents enforce it. */
export interface ContainedPolicy {
  key: string;
  namespace: string;
  name: string;
  /** Why the agents cannot use the stored value (field: reason). */
  error: string;
  /** The stand-in they enforce: the whole namespace, both directions, no rules. */
  policy: Policy;
}

/** The stand-in for an invalid stored policy, or null when `key` is not a policy key. */
export function containInvalidPolicy(key: string, error: string): ContainedPolicy | null {
  const parsed = parseKey(key);
  if (parsed?.kind !== 'policy') return null;
  const { namespace, name } = parsed;
  const policy: Policy = {
    apiVersion: API_VERSION,
    kind: 'Policy',
    metadata: { namespace, name },
    spec: {
      order: 1000,
      selector: `pal:namespace == '${namespace}'`,
      types: ['Ingress', 'Egress'],
      ingress: [],
      egress: [],
      error: { field: '(stored value)', message: error },
    },
  };
  return { key, namespace, name, error, policy };
}

/** One sentence for explain and describe. */
export function containmentWords(c: Pick<ContainedPolicy, 'namespace' | 'name' | 'error'>): string {
  return `policy ${c.namespace}/${c.name} is invalid (${c.error}); the agents isolate every pod of namespace ${c.namespace} and allow nothing through it`;
}
