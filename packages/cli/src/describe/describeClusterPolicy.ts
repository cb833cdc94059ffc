/** What `describe clusterpolicy` shows, computed from the model view (pure). */
import type { ClusterRule, Endpoint } from '@palisade/model';
import type { Direction } from '../explain/types.js';
import type { EnforcedClusterPolicy } from '../view/clusterContainment.js';
import type { ModelView } from '../view/modelView.js';
import type { PeerAdmission } from './describePolicy.js';
import { peerAdmissions } from './describePolicy.js';
import { ruleWords, selectorWords } from './words.js';

export interface ClusterRuleDescription {
  direction: Direction;
  /** 1-based, as `explain` numbers rules. */
  index: number;
  rule: ClusterRule;
  words: string;
  admits: PeerAdmission;
}

export interface ClusterPolicyDescription {
  /** As enforced: the stored CNP, or the stand-in for an invalid stored value. */
  cp: EnforcedClusterPolicy;
  key: string;
  modRevision: string;
  appliesTo: string;
  /** 1-based place in its tier's evaluation order, and the tier's size. */
  position: { index: number; of: number };
  selected: Endpoint[];
  /** The rules as written (what the agents enforce when there is neither error nor invalid). */
  rules: ClusterRuleDescription[];
}

function describeRules(view: ModelView, rules: ClusterRule[], direction: Direction): ClusterRuleDescription[] {
  const parse = (t: string): ReturnType<ModelView['selector']> => view.selector(t);
  return rules.map((rule, i) => ({
    direction,
    index: i + 1,
    rule,
    words: ruleWords(rule, direction, parse),
    admits: peerAdmissions(view, rule),
  }));
}

export function describeClusterPolicy(view: ModelView, name: string): ClusterPolicyDescription | null {
  const cp = view.findClusterPolicy(name);
  if (cp === undefined) return null;
  const stored = view.data.clusterPolicies.find((s) => s.value.metadata.name === name);
  const key = cp.invalid?.key ?? stored?.key ?? '?';
  const modRevision = stored?.modRevision ?? view.data.invalid.find((i) => i.key === key)?.modRevision ?? '?';
  const tier = view.clusterPolicies.filter((p) => p.tier === cp.tier);
  // The written rules of a valid CNP (with an error, shown as not enforced); the stand-in's for an invalid value.
  const written = cp.invalid === null ? cp.source.spec : cp;
  return {
    cp,
    key,
    modRevision,
    appliesTo:
      cp.invalid === null
        ? selectorWords(view.selector(cp.selector), cp.selector)
        : 'every pod in every namespace (the stored value is invalid)',
    position: { index: tier.indexOf(cp) + 1, of: tier.length },
    selected: view.selectedByCluster(cp),
    rules: [...describeRules(view, written.ingress, 'ingress'), ...describeRules(view, written.egress, 'egress')],
  };
}
