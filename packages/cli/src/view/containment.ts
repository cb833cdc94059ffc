/**
 * What the agents enforce for policies they cannot use, so that palisadectl shows
 * what is enforced (issue 10: "explain disagrees with enforcement on invalid
 * policies"). The rules are the model's `policySelectorError` and `isolatingPolicy`,
 * the functions the agent's ValidationFilter calls:
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
import { isolatingPolicy, parseKey } from '@palisade/model';
import type { Policy } from '@palisade/model';

export { policySelectorError } from '@palisade/model';

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
  const policy = isolatingPolicy(namespace, name, error);
  return { key, namespace, name, error, policy };
}

/** One sentence for explain and describe. */
export function containmentWords(c: Pick<ContainedPolicy, 'namespace' | 'name' | 'error'>): string {
  return `policy ${c.namespace}/${c.name} is invalid (${c.error}); the agents isolate every pod of namespace ${c.namespace} and allow nothing through it`;
}
