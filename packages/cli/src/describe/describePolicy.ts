/** What `describe policy` shows, computed from the model view (pure). */
import type { Endpoint, Policy, PolicyError } from '@palisade/model';
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
}

function admissions(view: ModelView, policy: Policy, direction: Direction): RuleDescription[] {
  const rules = direction === 'ingress' ? policy.spec.ingress : policy.spec.egress;
  const parse = (t: string): ReturnType<ModelView['selector']> => view.selector(t);
  return rules.map((rule, i) => {
    const endpoints =
      rule.peers.length === 0
        ? view.endpoints
        : view.endpoints.filter((ep) =>
            rule.peers.some((p) => ep.spec.ips.some((ip) => peerAdmits(view, p, { endpoint: ep, ip }))),
          );
    const cidrs = rule.peers.length === 0 ? ['0.0.0.0/0', '::/0'] : rule.peers.flatMap((p) => ('cidr' in p ? [p.cidr] : []));
    return { direction, index: i + 1, words: ruleWords(rule, direction, parse), admits: { endpoints, cidrs } };
  });
}

export function describePolicy(view: ModelView, namespace: string, name: string): PolicyDescription | null {
  const stored = view.data.policies.find(
    (s) => s.value.metadata.namespace === namespace && s.value.metadata.name === name,
  );
  if (!stored) return null;
  const policy = stored.value;
  const types = policy.spec.types;
  return {
    policy,
    key: stored.key,
    modRevision: stored.modRevision,
    appliesTo: selectorWords(view.selector(policy.spec.selector), policy.spec.selector),
    selected: view.selected(policy.spec.selector),
    rules: [
      ...(types.includes('Ingress') ? admissions(view, policy, 'ingress') : []),
      ...(types.includes('Egress') ? admissions(view, policy, 'egress') : []),
    ],
    error: policy.spec.error ?? null,
  };
}
