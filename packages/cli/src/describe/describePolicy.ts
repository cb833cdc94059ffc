/** What `describe policy` shows, computed from the model view (pure). */
import { printSelector } from '@palisade/model';
import type { Endpoint, Policy, PolicyError, Rule } from '@palisade/model';
import { peerAdmits } from '../explain/ruleMatch.js';
import type { Direction } from '../explain/types.js';
import type { ModelView } from '../view/modelView.js';
import { ruleWords, selectorWords } from './words.js';

export interface PeerAdmission {
  /** Endpoints the rule admits right now (all of them for a rule without peers). */
  endpoints: Endpoint[];
  /** CIDR peers (or "anywhere") also admit addresses outside the cluster. */
  cidrs: string[];
}

export interface RuleDescription {
  direction: Direction;
  /** 1-based, as `explain` numbers rules. */
  index: number;
  words: string;
  admits: PeerAdmission;
}

export interface PolicyDescription {
  policy: Policy;
  key: string;
  modRevision: string;
  appliesTo: string;
  selected: Endpoint[];
  rules: RuleDescription[];
  error: PolicyError | null;
  /**
   * Set when the stored selector does not restrict the namespace itself: the agents
   * AND in `pal:namespace == <this>`, and `selected` shows the result.
   */
  confinedTo: string | null;
  /** Why the stored value is invalid; `policy` is then the agents' deny-all stand-in. */
  invalid: string | null;
}

/** The peers a rule admits right now (its ports aside). */
export function peerAdmissions(view: ModelView, rule: Pick<Rule, 'peers'>): PeerAdmission {
  const endpoints =
    rule.peers.length === 0
      ? view.endpoints
      : view.endpoints.filter((ep) =>
          rule.peers.some((p) => ep.spec.ips.some((ip) => peerAdmits(view, p, { endpoint: ep, ip }))),
        );
  const cidrs = rule.peers.length === 0 ? ['0.0.0.0/0', '::/0'] : rule.peers.flatMap((p) => ('cidr' in p ? [p.cidr] : []));
  return { endpoints, cidrs };
}

function admissions(view: ModelView, policy: Policy, direction: Direction): RuleDescription[] {
  const rules = direction === 'ingress' ? policy.spec.ingress : policy.spec.egress;
  const parse = (t: string): ReturnType<ModelView['selector']> => view.selector(t);
  return rules.map((rule, i) => ({
    direction,
    index: i + 1,
    words: ruleWords(rule, direction, parse),
    admits: peerAdmissions(view, rule),
  }));
}

export function describePolicy(view: ModelView, namespace: string, name: string): PolicyDescription | null {
  const stored = view.data.policies.find(
    (s) => s.value.metadata.namespace === namespace && s.value.metadata.name === name,
  );
  if (!stored) return describeContained(view, namespace, name);
  const policy = stored.value;
  const types = policy.spec.types;
  const subject = view.subject(policy);
  const written = view.selector(policy.spec.selector);
  const confinedTo = written !== null && printSelector(written) !== subject.text ? namespace : null;
  return {
    policy,
    key: stored.key,
    modRevision: stored.modRevision,
    appliesTo:
      confinedTo === null
        ? selectorWords(subject.expr, subject.text)
        : `${selectorWords(written, policy.spec.selector)}, confined to namespace ${confinedTo}`,
    selected: view.selectedBy(policy),
    rules: [
      ...(types.includes('Ingress') ? admissions(view, policy, 'ingress') : []),
      ...(types.includes('Egress') ? admissions(view, policy, 'egress') : []),
    ],
    error: policy.spec.error ?? null,
    confinedTo,
    invalid: null,
  };
}

/** An invalid stored policy, described as the deny-all the agents enforce in its place. */
function describeContained(view: ModelView, namespace: string, name: string): PolicyDescription | null {
  const c = view.containedPolicy(namespace, name);
  if (c === undefined) return null;
  return {
    policy: c.policy,
    key: c.key,
    modRevision: view.data.invalid.find((i) => i.key === c.key)?.modRevision ?? '?',
    appliesTo: `all pods in namespace ${namespace} (the stored value is invalid)`,
    selected: view.selectedBy(c.policy),
    rules: [],
    error: null,
    confinedTo: null,
    invalid: c.error,
  };
}
