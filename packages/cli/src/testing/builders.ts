/** Small builders for CLI tests: model objects the way the controller writes them. */
import {
  API_VERSION,
  AgentStatusSchema,
  ClusterPolicySchema,
  EndpointSchema,
  NamespaceSchema,
  PolicySchema,
  peerSelector,
  policySelector,
} from '@palisade/model';
import type {
  AgentStatus,
  ClusterPolicy,
  ClusterPolicyInput,
  Endpoint,
  EndpointInput,
  LabelSelector,
  NamespaceInput,
  Namespace,
  Policy,
  PolicyInput,
} from '@palisade/model';
import type { ModelData, Stored } from '../view/modelView.js';
import { policySelectorError } from '../view/containment.js';
import { ModelView } from '../view/modelView.js';

type Tweak<T> = (obj: T) => void;

export function makeNamespace(name: string, labels: Record<string, string> = {}): Namespace {
  const input: NamespaceInput = {
    apiVersion: API_VERSION,
    kind: 'Namespace',
    metadata: { name },
    spec: { labels: { 'kubernetes.io/metadata.name': name, ...labels } },
  };
  return NamespaceSchema.parse(input);
}

export function makeEndpoint(ns: string, name: string, ...tweaks: Tweak<EndpointInput>[]): Endpoint {
  const input: EndpointInput = {
    apiVersion: API_VERSION,
    kind: 'Endpoint',
    metadata: { namespace: ns, name },
    spec: { node: 'node-a', ips: ['10.0.0.1'], labels: { pod: name }, ports: [] },
  };
  for (const t of tweaks) t(input);
  return EndpointSchema.parse(input);
}

export const ip = (...ips: string[]): Tweak<EndpointInput> => (e) => {
  e.spec.ips = ips;
};
export const onNode = (node: string): Tweak<EndpointInput> => (e) => {
  e.spec.node = node;
};
export const labels = (l: Record<string, string>): Tweak<EndpointInput> => (e) => {
  e.spec.labels = l;
};
export const namedPort = (name: string, port: number, protocol: 'TCP' | 'UDP' | 'SCTP' = 'TCP'): Tweak<EndpointInput> =>
  (e) => {
    e.spec.ports = [...(e.spec.ports ?? []), { name, port, protocol }];
  };

/** A policy as translated from a NetworkPolicy with this podSelector (default: all pods). */
export function makePolicy(ns: string, name: string, ...tweaks: Tweak<PolicyInput>[]): Policy {
  const input: PolicyInput = {
    apiVersion: API_VERSION,
    kind: 'Policy',
    metadata: { namespace: ns, name },
    spec: { selector: policySelector({}, ns), types: ['Ingress'], ingress: [], egress: [] },
  };
  for (const t of tweaks) t(input);
  return PolicySchema.parse(input);
}

export const podSelector = (sel: LabelSelector): Tweak<PolicyInput> => (p) => {
  p.spec.selector = policySelector(sel, p.metadata.namespace);
};
/** A stored selector exactly as given (not built from a Kubernetes podSelector). */
export const rawSelector = (text: string): Tweak<PolicyInput> => (p) => {
  p.spec.selector = text;
};
export const types = (...t: ('Ingress' | 'Egress')[]): Tweak<PolicyInput> => (p) => {
  p.spec.types = t;
};
type RuleInput = NonNullable<PolicyInput['spec']['ingress']>[number];
export const ingressRule = (rule: RuleInput): Tweak<PolicyInput> => (p) => {
  p.spec.ingress = [...(p.spec.ingress ?? []), rule];
};
export const egressRule = (rule: RuleInput): Tweak<PolicyInput> => (p) => {
  p.spec.egress = [...(p.spec.egress ?? []), rule];
};
export const withError = (field: string, message: string): Tweak<PolicyInput> => (p) => {
  p.spec.error = { field, message };
};
/** A selector peer, built like the controller does from a NetworkPolicy peer in namespace `ns`. */
export const peer = (
  ns: string,
  sel: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector },
): { selector: string } => ({ selector: peerSelector(sel, ns) });

/** A cluster policy as the controller writes it (default: Admin, priority 10, every pod, no rules). */
export function makeClusterPolicy(name: string, ...tweaks: Tweak<ClusterPolicyInput>[]): ClusterPolicy {
  const input: ClusterPolicyInput = {
    apiVersion: API_VERSION,
    kind: 'ClusterPolicy',
    metadata: { name },
    spec: { tier: 'Admin', priority: 10, selector: 'all()', ingress: [], egress: [] },
  };
  for (const t of tweaks) t(input);
  return ClusterPolicySchema.parse(input);
}

/** A CNP subject or peer (`namespaces`, or `pods`: namespaceSelector + podSelector) as a selector. */
export const cnpSelector = (sel: { namespaces?: LabelSelector; pods?: LabelSelector }): string =>
  peerSelector({ namespaceSelector: sel.namespaces ?? {}, ...(sel.pods ? { podSelector: sel.pods } : {}) }, '');

export const tier = (t: 'Admin' | 'Baseline', priority: number): Tweak<ClusterPolicyInput> => (p) => {
  p.spec.tier = t;
  p.spec.priority = priority;
};
export const subject = (selector: string): Tweak<ClusterPolicyInput> => (p) => {
  p.spec.selector = selector;
};
type ClusterRuleInput = NonNullable<ClusterPolicyInput['spec']['ingress']>[number];
/** Rules named `ingress[i]` unless named. */
export const cnpIngress = (...rules: (Omit<ClusterRuleInput, 'name'> & { name?: string })[]): Tweak<ClusterPolicyInput> =>
  (p) => {
    const have = p.spec.ingress ?? [];
    p.spec.ingress = [...have, ...rules.map((r, i) => ({ ...r, name: r.name ?? `ingress[${have.length + i}]` }))];
  };
export const cnpEgress = (...rules: (Omit<ClusterRuleInput, 'name'> & { name?: string })[]): Tweak<ClusterPolicyInput> =>
  (p) => {
    const have = p.spec.egress ?? [];
    p.spec.egress = [...have, ...rules.map((r, i) => ({ ...r, name: r.name ?? `egress[${have.length + i}]` }))];
  };
export const cnpError = (field: string, message: string): Tweak<ClusterPolicyInput> => (p) => {
  p.spec.error = { field, message };
};
export const cnpWarnings = (...w: string[]): Tweak<ClusterPolicyInput> => (p) => {
  p.spec.warnings = w;
};

function stored<T>(key: string, value: T, rev: number): Stored<T> {
  return { key, value, raw: JSON.stringify(value), modRevision: String(rev) };
}

export function makeData(parts: {
  policies?: Policy[];
  clusterPolicies?: ClusterPolicy[];
  endpoints?: Endpoint[];
  namespaces?: Namespace[];
  extra?: Partial<ModelData>;
}): ModelData {
  let rev = 1;
  const policyKey = (p: Policy): string => `/palisade/v1/policy/${p.metadata.namespace}/${p.metadata.name}`;
  // As decodeModel does: a policy whose selectors do not parse is an invalid value.
  const unreadable = (parts.policies ?? []).flatMap((p) => {
    const error = policySelectorError(p);
    return error === null ? [] : [{ key: policyKey(p), error, modRevision: String(++rev) }];
  });
  const policies = (parts.policies ?? [])
    .filter((p) => policySelectorError(p) === null)
    .map((p) => stored(policyKey(p), p, ++rev));
  const cnpKey = (p: ClusterPolicy): string => `/palisade/v1/clusterpolicy/${p.metadata.name}`;
  const cnps = parts.clusterPolicies ?? [];
  for (const p of cnps) {
    const error = policySelectorError(p);
    if (error !== null) unreadable.push({ key: cnpKey(p), error, modRevision: String(++rev) });
  }
  const clusterPolicies = cnps.filter((p) => policySelectorError(p) === null).map((p) => stored(cnpKey(p), p, ++rev));
  const endpoints = (parts.endpoints ?? []).map((e) =>
    stored(`/palisade/v1/endpoint/${e.spec.node}/${e.metadata.namespace}/${e.metadata.name}`, e, ++rev),
  );
  const namespaces = (parts.namespaces ?? []).map((n) => stored(`/palisade/v1/namespace/${n.metadata.name}`, n, ++rev));
  return {
    revision: String(rev),
    modelRevision: String(rev),
    policies,
    clusterPolicies,
    endpoints,
    namespaces,
    agents: [],
    leader: null,
    invalid: unreadable,
    ...parts.extra,
  };
}

export function makeView(parts: Parameters<typeof makeData>[0]): ModelView {
  return new ModelView(makeData(parts));
}

type AgentTweak = (a: AgentStatus) => void;

export function makeAgent(node: string, programmedRevision: string, ...tweaks: AgentTweak[]): AgentStatus {
  const a: AgentStatus = {
    apiVersion: API_VERSION,
    kind: 'AgentStatus',
    metadata: { name: node },
    status: {
      version: '0.1.0',
      startedAt: '2025-01-01T00:00:00.000Z',
      inSync: true,
      programmedRevision,
      counts: { endpoints: 0, localEndpoints: 0, policies: 0, chains: 0, ipsets: 0 },
      lastApply: { time: '2025-01-01T00:00:10.000Z', durationMs: 12 },
      lastError: null,
      invalidKeys: {},
      ipConflicts: [],
    },
  };
  for (const t of tweaks) t(a);
  return AgentStatusSchema.parse(a);
}

export function storedAgents(agents: AgentStatus[], rev = 1000): Stored<AgentStatus>[] {
  return agents.map((a) => stored(`/palisade/v1/agent/${a.metadata.name}`, a, rev));
}
