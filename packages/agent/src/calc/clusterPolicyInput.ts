/**
 * A cluster policy (ClusterNetworkPolicy) as the calc graph's policy record, so that
 * cluster policies share the label index, activity tracking, the rule scanner and the
 * ipsets with NetworkPolicies. Pure.
 *
 * The record carries the tier in `spec.tier` and the priority in `spec.order`, so the
 * resolver's usual order (order, namespace, name) is (priority, name) within a tier.
 * `types` lists only the directions that have rules: a cluster policy without ingress
 * rules does not touch its subjects' ingress at all.
 *
 * Failing closed (the schema's contract): a policy with `error` becomes one Deny-all
 * rule in each direction that has rules; a subject selector that cannot be parsed
 * selects every endpoint, with Deny-all rules in both directions.
 */
import {
  ALL_SELECTOR,
  type ClusterPolicy,
  type ClusterRule,
  type Policy,
  type Rule,
  type Tier,
} from '@palisade/model';
import { CLUSTER_SCOPE, type ObjectRef } from '../messages.js';
import type { SelectorCache } from './selectorCache.js';

/** A policy record as the calc graph keeps it; `tier` is set for cluster policies only. */
export type CalcPolicy = Omit<Policy, 'spec'> & { spec: Policy['spec'] & { tier?: Tier } };

const DENY_ALL: Rule = { action: 'Deny', peers: [], ports: [] };

export function clusterPolicyRef(name: string): ObjectRef {
  return { namespace: CLUSTER_SCOPE, name };
}

function asRule(rule: ClusterRule): Rule {
  return {
    action: rule.action === 'Accept' ? 'Allow' : rule.action,
    peers: rule.peers,
    ports: rule.ports,
  };
}

export function clusterPolicyAsPolicy(cp: ClusterPolicy, selectors: SelectorCache): CalcPolicy {
  const { spec } = cp;
  const readable = selectors.parse(spec.selector) !== null;
  const failed = spec.error !== undefined || !readable;
  const rules = (list: ClusterRule[]): Rule[] => {
    if (!readable) return [DENY_ALL];
    if (list.length === 0) return [];
    return failed ? [DENY_ALL] : list.map(asRule);
  };
  const ingress = rules(spec.ingress);
  const egress = rules(spec.egress);
  const types: Policy['spec']['types'] = [];
  if (ingress.length > 0) types.push('Ingress');
  if (egress.length > 0) types.push('Egress');
  return {
    apiVersion: cp.apiVersion,
    kind: 'Policy',
    metadata: { namespace: CLUSTER_SCOPE, name: cp.metadata.name },
    spec: {
      order: spec.priority,
      selector: readable ? spec.selector : ALL_SELECTOR,
      types,
      ingress,
      egress,
      tier: spec.tier,
    },
  };
}
