/**
 * The etcd key layout. Every key Palisade reads or writes is built and parsed here.
 *
 *   /palisade/v1/policy/<namespace>/<name>
 *   /palisade/v1/clusterpolicy/<name>          (translated ClusterNetworkPolicy)
 *   /palisade/v1/namespace/<name>
 *   /palisade/v1/endpoint/<node>/<namespace>/<pod>
 *   /palisade/v1/agent/<node>
 *   /palisade/v1/controller/leader          (the elected controller)
 *   /palisade/v1/controller/last-delete     (revision of the controller's newest delete)
 */
import { PalisadeError } from './errors.js';
import { DNS_LABEL, DNS_SUBDOMAIN } from './schema/common.js';

export const ROOT_PREFIX = '/palisade/v1/';
export const POLICY_PREFIX = `${ROOT_PREFIX}policy/`;
export const CLUSTER_POLICY_PREFIX = `${ROOT_PREFIX}clusterpolicy/`;
export const NAMESPACE_PREFIX = `${ROOT_PREFIX}namespace/`;
export const ENDPOINT_PREFIX = `${ROOT_PREFIX}endpoint/`;
export const AGENT_PREFIX = `${ROOT_PREFIX}agent/`;
export const LEADER_KEY = `${ROOT_PREFIX}controller/leader`;
/**
 * A deletion leaves no key behind, so the controller records the revision of its
 * newest delete here; palisadectl counts it when it asks whether agents are caught up.
 */
export const LAST_DELETE_KEY = `${ROOT_PREFIX}controller/last-delete`;

export type ParsedKey =
  | { kind: 'policy'; namespace: string; name: string }
  | { kind: 'clusterPolicy'; name: string }
  | { kind: 'namespace'; name: string }
  | { kind: 'endpoint'; node: string; namespace: string; name: string }
  | { kind: 'agent'; node: string }
  | { kind: 'leader' }
  | { kind: 'lastDelete' };

export type KeyKind = ParsedKey['kind'];

function check(value: string, re: RegExp, what: string): string {
  if (!re.test(value))
    throw new PalisadeError(
      'INVALID_INPUT',
      `invalid ${what} ${JSON.stringify(value)} for an etcd key`,
      {
        fields: { [what]: value },
      },
    );
  return value;
}

const ns = (v: string): string => check(v, DNS_LABEL, 'namespace');
const name = (v: string): string => check(v, DNS_SUBDOMAIN, 'name');
const node = (v: string): string => check(v, DNS_SUBDOMAIN, 'node');

export function policyKey(namespace: string, policyName: string): string {
  return `${POLICY_PREFIX}${ns(namespace)}/${name(policyName)}`;
}
export function clusterPolicyKey(policyName: string): string {
  return `${CLUSTER_POLICY_PREFIX}${name(policyName)}`;
}
export function namespaceKey(namespace: string): string {
  return `${NAMESPACE_PREFIX}${ns(namespace)}`;
}
export function endpointKey(nodeName: string, namespace: string, pod: string): string {
  return `${ENDPOINT_PREFIX}${node(nodeName)}/${ns(namespace)}/${name(pod)}`;
}
export function endpointNodePrefix(nodeName: string): string {
  return `${ENDPOINT_PREFIX}${node(nodeName)}/`;
}
export function agentKey(nodeName: string): string {
  return `${AGENT_PREFIX}${node(nodeName)}`;
}

export function buildKey(k: ParsedKey): string {
  switch (k.kind) {
    case 'policy':
      return policyKey(k.namespace, k.name);
    case 'clusterPolicy':
      return clusterPolicyKey(k.name);
    case 'namespace':
      return namespaceKey(k.name);
    case 'endpoint':
      return endpointKey(k.node, k.namespace, k.name);
    case 'agent':
      return agentKey(k.node);
    case 'leader':
      return LEADER_KEY;
    case 'lastDelete':
      return LAST_DELETE_KEY;
  }
}

/** Parses a key; returns null for anything that is not a well-formed Palisade key. */
export function parseKey(key: string): ParsedKey | null {
  if (key === LEADER_KEY) return { kind: 'leader' };
  if (key === LAST_DELETE_KEY) return { kind: 'lastDelete' };
  if (!key.startsWith(ROOT_PREFIX)) return null;
  const parts = key.slice(ROOT_PREFIX.length).split('/');
  const [kind, ...rest] = parts;
  const ok = (v: string | undefined, re: RegExp): v is string => v !== undefined && re.test(v);
  switch (kind ?? '') {
    case 'policy':
      return rest.length === 2 && ok(rest[0], DNS_LABEL) && ok(rest[1], DNS_SUBDOMAIN)
        ? { kind: 'policy', namespace: rest[0], name: rest[1] }
        : null;
    case 'clusterpolicy':
      return rest.length === 1 && ok(rest[0], DNS_SUBDOMAIN)
        ? { kind: 'clusterPolicy', name: rest[0] }
        : null;
    case 'namespace':
      return rest.length === 1 && ok(rest[0], DNS_LABEL)
        ? { kind: 'namespace', name: rest[0] }
        : null;
    case 'endpoint':
      return rest.length === 3 &&
        ok(rest[0], DNS_SUBDOMAIN) &&
        ok(rest[1], DNS_LABEL) &&
        ok(rest[2], DNS_SUBDOMAIN)
        ? { kind: 'endpoint', node: rest[0], namespace: rest[1], name: rest[2] }
        : null;
    case 'agent':
      return rest.length === 1 && ok(rest[0], DNS_SUBDOMAIN)
        ? { kind: 'agent', node: rest[0] }
        : null;
    default:
      return null;
  }
}
