/** Small builders for calc-graph tests: objects as the validation filter hands them over. */
import {
  API_VERSION,
  type ClusterPolicy,
  type ClusterRule,
  type Endpoint,
  type Labels,
  type NamedPort,
  type Namespace,
  type Policy,
  type Rule,
} from '@palisade/model';
import type { CalcInput } from '../calcGraph.js';

export function makeNamespace(name: string, labels: Labels = {}): Namespace {
  return { apiVersion: API_VERSION, kind: 'Namespace', metadata: { name }, spec: { labels } };
}

export function makeEndpoint(
  namespace: string,
  name: string,
  o: { node?: string; ips?: string[]; labels?: Labels; ports?: NamedPort[] } = {},
): Endpoint {
  return {
    apiVersion: API_VERSION,
    kind: 'Endpoint',
    metadata: { namespace, name },
    spec: {
      node: o.node ?? 'node-1',
      ips: o.ips ?? ['10.0.0.1'],
      labels: o.labels ?? {},
      ports: o.ports ?? [],
    },
  };
}

export type PolicyTweak = (p: Policy) => void;

/** Defaults: selects the whole namespace, Ingress only, no rules (a default deny). */
export function makePolicy(namespace: string, name: string, ...tweaks: PolicyTweak[]): Policy {
  const p: Policy = {
    apiVersion: API_VERSION,
    kind: 'Policy',
    metadata: { namespace, name },
    spec: {
      order: 1000,
      selector: `pal:namespace == '${namespace}'`,
      types: ['Ingress'],
      ingress: [],
      egress: [],
    },
  };
  tweaks.forEach((t) => t(p));
  return p;
}

export const withSelector =
  (selector: string): PolicyTweak =>
  (p) => {
    p.spec.selector = selector;
  };
export const withTypes =
  (...types: Policy['spec']['types']): PolicyTweak =>
  (p) => {
    p.spec.types = types;
  };
export const withOrder =
  (order: number): PolicyTweak =>
  (p) => {
    p.spec.order = order;
  };
export const withIngress =
  (...rules: Partial<Rule>[]): PolicyTweak =>
  (p) => {
    p.spec.ingress = rules.map(rule);
  };
export const withEgress =
  (...rules: Partial<Rule>[]): PolicyTweak =>
  (p) => {
    p.spec.egress = rules.map(rule);
  };
export const withError: PolicyTweak = (p) => {
  p.spec.error = { field: 'spec.ingress[0]', message: 'cannot translate' };
};

export function rule(r: Partial<Rule> = {}): Rule {
  return { action: r.action ?? 'Allow', ports: r.ports ?? [], peers: r.peers ?? [] };
}

export function nsInput(ns: Namespace): CalcInput {
  return { kind: 'namespace', name: ns.metadata.name, value: ns };
}
export function epInput(ep: Endpoint): CalcInput {
  return {
    kind: 'endpoint',
    ref: { namespace: ep.metadata.namespace, name: ep.metadata.name },
    value: ep,
  };
}
export function policyInput(p: Policy): CalcInput {
  return {
    kind: 'policy',
    ref: { namespace: p.metadata.namespace, name: p.metadata.name },
    value: p,
  };
}
export type ClusterPolicyTweak = (p: ClusterPolicy) => void;

/** An Admin-tier cluster policy at priority 10 selecting every endpoint, with no rules. */
export function makeClusterPolicy(name: string, ...tweaks: ClusterPolicyTweak[]): ClusterPolicy {
  const p: ClusterPolicy = {
    apiVersion: API_VERSION,
    kind: 'ClusterPolicy',
    metadata: { name },
    spec: {
      tier: 'Admin',
      priority: 10,
      selector: 'all()',
      ingress: [],
      egress: [],
      warnings: [],
    },
  };
  tweaks.forEach((t) => t(p));
  return p;
}

export const cnpTier =
  (tier: ClusterPolicy['spec']['tier'], priority: number): ClusterPolicyTweak =>
  (p) => {
    p.spec.tier = tier;
    p.spec.priority = priority;
  };
export const cnpSelector =
  (selector: string): ClusterPolicyTweak =>
  (p) => {
    p.spec.selector = selector;
  };
export const cnpIngress =
  (...rules: Partial<ClusterRule>[]): ClusterPolicyTweak =>
  (p) => {
    p.spec.ingress = rules.map((r, i) => crule(r, `ingress[${i}]`));
  };
export const cnpEgress =
  (...rules: Partial<ClusterRule>[]): ClusterPolicyTweak =>
  (p) => {
    p.spec.egress = rules.map((r, i) => crule(r, `egress[${i}]`));
  };
export const cnpError: ClusterPolicyTweak = (p) => {
  p.spec.error = { field: 'spec.ingress[0].from[0].nodes', message: 'unsupported' };
};

function crule(r: Partial<ClusterRule>, name: string): ClusterRule {
  return {
    name: r.name ?? name,
    action: r.action ?? 'Accept',
    peers: r.peers ?? [],
    ports: r.ports ?? [],
  };
}

export function cnpInput(p: ClusterPolicy): CalcInput {
  return { kind: 'clusterPolicy', name: p.metadata.name, value: p };
}

/** The delete of whatever `input` names. */
export function deleted(input: CalcInput): CalcInput {
  return { ...input, value: null };
}
