/**
 * Builders for Kubernetes objects in tests and benchmarks: a sensible object, then
 * tweaks that each change one thing (`makeNetworkPolicy('p', 'ns', ingress({}))`).
 */
import type {
  KClusterNetworkPolicy,
  KEgressRule,
  KIngressRule,
  KNamespace,
  KNetworkPolicy,
  KPod,
} from '../translate/types.js';

export type Tweak<T> = (obj: T) => void;

export function makeNetworkPolicy(name: string, namespace: string, ...tweaks: Tweak<KNetworkPolicy>[]): KNetworkPolicy {
  const np: KNetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace },
    spec: { podSelector: {} },
  };
  for (const t of tweaks) t(np);
  return np;
}

type NpSpec = NonNullable<KNetworkPolicy['spec']>;
const spec = (np: KNetworkPolicy): NpSpec => (np.spec ??= {});

export const podSelector =
  (sel: NpSpec['podSelector']): Tweak<KNetworkPolicy> =>
  (np) => {
    spec(np).podSelector = sel;
  };
export const policyTypes =
  (...types: string[]): Tweak<KNetworkPolicy> =>
  (np) => {
    spec(np).policyTypes = types;
  };
export const ingress =
  (...rules: KIngressRule[]): Tweak<KNetworkPolicy> =>
  (np) => {
    spec(np).ingress = [...(spec(np).ingress ?? []), ...rules];
  };
export const egress =
  (...rules: KEgressRule[]): Tweak<KNetworkPolicy> =>
  (np) => {
    spec(np).egress = [...(spec(np).egress ?? []), ...rules];
  };
export const withSpec =
  (fn: (s: NpSpec) => void): Tweak<KNetworkPolicy> =>
  (np) => fn(spec(np));

export function makePod(name: string, namespace: string, ...tweaks: Tweak<KPod>[]): KPod {
  const pod: KPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name } },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] },
    status: { phase: 'Running', podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }] },
  };
  for (const t of tweaks) t(pod);
  return pod;
}

export const podIPs =
  (...ips: string[]): Tweak<KPod> =>
  (pod) => {
    pod.status = { ...pod.status, podIP: ips[0] ?? null, podIPs: ips.map((ip) => ({ ip })) };
  };
export const onNode =
  (node: string | null): Tweak<KPod> =>
  (pod) => {
    pod.spec = { ...pod.spec, nodeName: node };
  };
export const podLabels =
  (labels: Record<string, string>): Tweak<KPod> =>
  (pod) => {
    pod.metadata = { ...pod.metadata, labels };
  };

export function makeNamespace(name: string, labels: Record<string, string> = {}): KNamespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
  };
}

/** A ClusterNetworkPolicy: Admin, priority 10, subject every namespace, no rules. */
export function makeClusterNetworkPolicy(name: string, ...tweaks: Tweak<KClusterNetworkPolicy>[]): KClusterNetworkPolicy {
  const cnp: KClusterNetworkPolicy = {
    apiVersion: 'policy.networking.k8s.io/v1alpha2',
    kind: 'ClusterNetworkPolicy',
    metadata: { name },
    spec: { tier: 'Admin', priority: 10, subject: { namespaces: {} } },
  };
  for (const t of tweaks) t(cnp);
  return cnp;
}

type CnpSpec = NonNullable<KClusterNetworkPolicy['spec']>;
const cnpSpec = (c: KClusterNetworkPolicy): CnpSpec => (c.spec ??= {});

export const cnpSet =
  (field: keyof CnpSpec, value: unknown): Tweak<KClusterNetworkPolicy> =>
  (c) => {
    cnpSpec(c)[field] = value;
  };
export const cnpIngress =
  (...rules: unknown[]): Tweak<KClusterNetworkPolicy> =>
  (c) => {
    const s = cnpSpec(c);
    s.ingress = [...((s.ingress as unknown[] | undefined) ?? []), ...rules];
  };
export const cnpEgress =
  (...rules: unknown[]): Tweak<KClusterNetworkPolicy> =>
  (c) => {
    const s = cnpSpec(c);
    s.egress = [...((s.egress as unknown[] | undefined) ?? []), ...rules];
  };
