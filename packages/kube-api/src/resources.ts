/** The resources this fake API server serves, with the facts discovery and errors need. */

export interface ResourceDef {
  group: string;
  version: string;
  /** Plural resource name as used in URLs ("pods"). */
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Whether a `status` subresource exists. */
  hasStatus: boolean;
  /** Whether metadata.generation is maintained (bumped on spec change). */
  hasGeneration: boolean;
  /** Served from a CustomResourceDefinition (JSON only, no strategic merge patch). */
  custom?: boolean;
}

export const NAMESPACES: ResourceDef = {
  group: '',
  version: 'v1',
  plural: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  categories: [],
  hasStatus: true,
  hasGeneration: false,
};

export const PODS: ResourceDef = {
  group: '',
  version: 'v1',
  plural: 'pods',
  singular: 'pod',
  kind: 'Pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  hasStatus: true,
  hasGeneration: true,
};

export const NETWORK_POLICIES: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  kind: 'NetworkPolicy',
  namespaced: true,
  shortNames: ['netpol'],
  categories: [],
  hasStatus: false,
  hasGeneration: true,
};

/** policy.networking.k8s.io/v1alpha2, as the network-policy-api CRD serves it. */
export const CLUSTER_NETWORK_POLICIES: ResourceDef = {
  group: 'policy.networking.k8s.io',
  version: 'v1alpha2',
  plural: 'clusternetworkpolicies',
  singular: 'clusternetworkpolicy',
  kind: 'ClusterNetworkPolicy',
  namespaced: false,
  shortNames: ['cnp'],
  categories: [],
  hasStatus: true,
  hasGeneration: true,
  custom: true,
};

export const RESOURCES: readonly ResourceDef[] = [
  NAMESPACES,
  PODS,
  NETWORK_POLICIES,
  CLUSTER_NETWORK_POLICIES,
];

export type ResourceName = 'namespaces' | 'pods' | 'networkpolicies' | 'clusternetworkpolicies';

export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** "pods" or "networkpolicies.networking.k8s.io", as the real server words its errors. */
export function qualifiedResource(def: ResourceDef): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}

/** "Pod" or "NetworkPolicy.networking.k8s.io", as used in Invalid errors. */
export function qualifiedKind(def: ResourceDef): string {
  return def.group ? `${def.kind}.${def.group}` : def.kind;
}

export function findResource(
  group: string,
  version: string,
  plural: string,
): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function resourceByName(name: string): ResourceDef {
  const def = RESOURCES.find(
    (r) => r.plural === name || r.kind === name || r.shortNames.includes(name),
  );
  if (!def) throw new Error(`unknown resource ${name}`);
  return def;
}
